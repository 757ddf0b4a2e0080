import { newGeneration, readyInfo, setViewStatus, unregisterView } from './ready';

const flush = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('readiness registry', () => {
  afterEach(() => {
    for (const id of Object.keys(readyInfo().statuses)) unregisterView(id);
  });

  it('is ready only when no view is pending', async () => {
    setViewStatus('a', 'pending');
    setViewStatus('b', 'pending');
    await flush();
    expect(readyInfo().ready).toBe(false);
    setViewStatus('a', 'drawn');
    await flush();
    expect(readyInfo().ready).toBe(false);
    setViewStatus('b', 'empty');
    await flush();
    expect(readyInfo().ready).toBe(true);
    expect(readyInfo().firstReadyMs).not.toBeNull();
    expect(readyInfo().firstChartsDrawnMs).not.toBeNull();
  });

  it('signals charts drawn before tables and cards have settled', async () => {
    setViewStatus('chart', 'pending', 'chart');
    setViewStatus('table', 'pending', 'html');
    setViewStatus('chart', 'drawn', 'chart');
    await flush();
    expect(readyInfo()).toMatchObject({ chartsDrawn: true, ready: false });
    setViewStatus('table', 'drawn', 'html');
    await flush();
    expect(readyInfo()).toMatchObject({ chartsDrawn: true, ready: true });
  });

  it('after a filter change, waits for the refetching views instead of counting old statuses', async () => {
    setViewStatus('a', 'drawn');
    await flush();
    expect(readyInfo().ready).toBe(true);
    const gen = readyInfo().generation;
    newGeneration();
    await flush();
    expect(readyInfo()).toMatchObject({ ready: false, generation: gen + 1 });
    setViewStatus('a', 'pending');
    await flush();
    expect(readyInfo().ready).toBe(false);
    setViewStatus('a', 'drawn');
    await flush();
    expect(readyInfo().ready).toBe(true);
  });

  it('counts a deferred (below the fold) view as settled, and waits again once it loads', async () => {
    setViewStatus('top', 'pending', 'chart');
    setViewStatus('below', 'deferred', 'chart');
    await flush();
    expect(readyInfo()).toMatchObject({ chartsDrawn: false, ready: false });
    setViewStatus('top', 'drawn', 'chart');
    await flush();
    expect(readyInfo()).toMatchObject({ chartsDrawn: true, ready: true });
    setViewStatus('below', 'pending', 'chart');
    await flush();
    expect(readyInfo()).toMatchObject({ chartsDrawn: false, ready: false });
    setViewStatus('below', 'drawn', 'chart');
    await flush();
    expect(readyInfo()).toMatchObject({ chartsDrawn: true, ready: true });
  });
});
