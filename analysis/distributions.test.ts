import { logGamma, normalCdf, regularizedIncompleteBeta, studentTCdf } from './distributions';

/** Student t density, to check the CDF by numerical integration (Simpson's rule). */
function tDensity(x: number, df: number): number {
  return Math.exp(logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((x * x) / df));
}

function integrate(f: (x: number) => number, a: number, b: number, steps = 20000): number {
  const h = (b - a) / steps;
  let s = f(a) + f(b);
  for (let i = 1; i < steps; i++) s += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (s * h) / 3;
}

describe('logGamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(1)).toBeCloseTo(0, 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 10);
  });
});

describe('regularizedIncompleteBeta', () => {
  it('matches the closed forms', () => {
    expect(regularizedIncompleteBeta(0.5, 2, 2)).toBeCloseTo(0.5, 12);
    expect(regularizedIncompleteBeta(0.37, 1, 1)).toBeCloseTo(0.37, 12);
    // I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b
    expect(regularizedIncompleteBeta(0.3, 3, 1)).toBeCloseTo(0.027, 12);
    expect(regularizedIncompleteBeta(0.2, 1, 4)).toBeCloseTo(0.5904, 12);
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
  });
});

describe('studentTCdf', () => {
  it('matches the closed forms for 1 and 2 degrees of freedom', () => {
    for (const t of [-3, -0.5, 0, 1, 2.5]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 10);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 10);
    }
  });

  it('matches the textbook critical values', () => {
    expect(studentTCdf(2.228139, 10)).toBeCloseTo(0.975, 6);
    expect(studentTCdf(2.042272, 30)).toBeCloseTo(0.975, 6);
    expect(studentTCdf(12.7062, 1)).toBeCloseTo(0.975, 5);
    expect(studentTCdf(-2.776445, 4)).toBeCloseTo(0.025, 6);
  });

  it('agrees with numerical integration of the density for fractional df', () => {
    const df = 5.882352941176471;
    expect(studentTCdf(1.8973665961010275, df)).toBeCloseTo(0.5 + integrate((x) => tDensity(x, df), 0, 1.8973665961010275), 8);
  });
});

describe('normalCdf', () => {
  it('matches the standard normal table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
    expect(normalCdf(3)).toBeCloseTo(0.99865, 5);
  });
});
