/**
 * classify: a deterministic keyword-scoring classifier over a spec's text features (name, tags,
 * description, layer names). Its lexicon was written from general UI vocabulary, not fitted to
 * the corpus, so ambiguous specs are misclassified for real and accuracy is a real measurement.
 */
import { layerNames, words } from './text';
import type { ComponentSpec, ComponentType } from './types';
import { COMPONENT_TYPES } from './types';

/** Word (or two-word phrase) -> evidence weight for each type. */
const LEXICON: Record<ComponentType, Record<string, number>> = {
  button: {
    button: 3,
    cta: 3,
    click: 2,
    press: 2,
    submit: 2,
    action: 1,
    primary: 1,
    secondary: 1,
    outline: 1,
    pill: 1,
    destructive: 1,
    danger: 1,
    icon: 0.5,
    upgrade: 0.5,
    download: 0.5,
  },
  input: {
    input: 3,
    'text field': 4,
    field: 2,
    placeholder: 2,
    type: 1,
    email: 1.5,
    password: 1.5,
    search: 1.5,
    query: 1,
    form: 1,
    readonly: 1,
    disabled: 0.5,
    validation: 1,
  },
  card: {
    card: 3,
    tile: 2,
    media: 1.5,
    excerpt: 1.5,
    cover: 1,
    image: 1,
    photo: 1,
    profile: 1,
    product: 1,
    summary: 1,
    kpi: 1.5,
    metric: 1,
    surface: 1,
    panel: 0.5,
    promo: 0.5,
  },
  modal: {
    modal: 3,
    dialog: 3,
    overlay: 2.5,
    backdrop: 2,
    popup: 2,
    window: 1,
    blocking: 1.5,
    confirm: 1,
    consent: 1,
    over: 0.5,
  },
  navbar: {
    navbar: 4,
    navigation: 2,
    nav: 2.5,
    header: 2,
    'menu bar': 3,
    link: 1.5,
    brand: 1,
    logo: 1.5,
    avatar: 1,
    top: 1,
    site: 1,
    bar: 0.5,
  },
  table: {
    table: 4,
    row: 2,
    column: 2,
    grid: 2,
    'data grid': 2,
    cell: 1.5,
    sortable: 1.5,
    list: 1,
    comparison: 1,
    leaderboard: 1,
    ranking: 1,
  },
  checkbox: {
    checkbox: 4,
    'check box': 4,
    check: 2,
    checked: 2,
    tick: 2,
    unchecked: 2,
    agree: 1,
    'opt in': 1.5,
    remember: 1,
    switch: 2,
    toggle: 1,
    'on off': 1,
    box: 0.5,
    multi: 0.5,
  },
  select: {
    select: 3,
    dropdown: 3,
    option: 2,
    choose: 1.5,
    pick: 1.5,
    picker: 2,
    listbox: 3,
    chevron: 1,
    sort: 1,
    menu: 1,
  },
  tabs: { tab: 4, 'tab bar': 2, segmented: 3, strip: 1.5, underline: 1, section: 1, switch: 1, panel: 1 },
  alert: {
    alert: 4,
    banner: 3,
    notice: 2.5,
    notification: 2.5,
    warning: 2,
    error: 1.5,
    success: 1.5,
    info: 1.5,
    message: 1,
    toast: 3,
    dismiss: 1,
    feedback: 1,
  },
};

/** How much each text feature counts: the name and tags are what a designer chose to say. */
const SOURCE_WEIGHTS = { name: 2, tokens: 1.5, description: 1, layers: 0.5 } as const;

export interface Classification {
  predicted: ComponentType;
  /** Share of the winning score in the total evidence, 0..1 (0 when there is no evidence). */
  confidence: number;
  scores: Record<ComponentType, number>;
}

function termsOf(text: string): string[] {
  const w = words(text);
  const terms = [...w];
  for (let i = 0; i + 1 < w.length; i++) terms.push(`${w[i]} ${w[i + 1]}`);
  return terms;
}

function emptyScores(): Record<ComponentType, number> {
  const scores = {} as Record<ComponentType, number>;
  for (const type of COMPONENT_TYPES) scores[type] = 0;
  return scores;
}

/** Scores a spec's text against the lexicon; ties go to the type listed first in COMPONENT_TYPES. */
export function classifySpec(
  spec: Pick<ComponentSpec, 'name' | 'description' | 'tokens' | 'design'>,
): Classification {
  const scores = emptyScores();
  const sources: [string, number][] = [
    [spec.name, SOURCE_WEIGHTS.name],
    [spec.tokens.join(' . '), SOURCE_WEIGHTS.tokens],
    [spec.description, SOURCE_WEIGHTS.description],
    [layerNames(spec.design).join(' . '), SOURCE_WEIGHTS.layers],
  ];
  for (const [text, sourceWeight] of sources) {
    for (const term of termsOf(text)) {
      for (const type of COMPONENT_TYPES) {
        const weight = LEXICON[type][term];
        if (weight !== undefined) scores[type] += weight * sourceWeight;
      }
    }
  }
  let predicted: ComponentType = COMPONENT_TYPES[0];
  let total = 0;
  for (const type of COMPONENT_TYPES) {
    total += scores[type];
    if (scores[type] > scores[predicted]) predicted = type;
  }
  return { predicted, confidence: total > 0 ? scores[predicted] / total : 0, scores };
}
