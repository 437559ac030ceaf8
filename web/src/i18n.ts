// All user-facing strings of the web app, German and English, in one table.
export type Lang = "de" | "en";

export const strings = {
  de: {
    title: "Spielraum",
    search: "Suche",
    searchPlaceholder: "Stadtteil oder Einrichtung suchen …",
    ageBand: "Altersgruppe",
    servedShare: "Anteil Kinder mit Spielort in Gehweite",
    noData: "noch keine Daten",
    layers: "Ebenen",
    facilities: "Einrichtungen",
    neighbourhoods: "Stadtteile",
    gaps: "Versorgungslücken",
    buildings: "Gebäude",
    population: "Einwohner",
    reach: "Erreichbarkeit",
    reachMode: "Klick in die Karte zeigt, was zu Fuß erreichbar ist",
    minutes: "Minuten",
    embed: "Auf der eigenen Website einbinden",
    close: "Schließen",
    residents: "Einwohner",
    children: "Kinder",
    served: "versorgt",
    gapChildren: "Kinder ohne Spielort in Gehweite",
    playArea: "Spielfläche je Kind",
    needRank: "Handlungsbedarf (Rang)",
    noIndicators: "Für diesen Stadtteil liegen noch keine Kennzahlen vor.",
    reachTitle: "In {m} Minuten zu Fuß erreichbar",
    reachNone: "Keine Einrichtung in {m} Minuten zu Fuß erreichbar.",
    reachError: "Die Erreichbarkeit konnte nicht berechnet werden.",
    metres: "m",
    kind_playground: "Spielplatz",
    kind_kindergarten: "Kita",
    kind_school: "Schule",
    kind_open_space: "Park / Grünfläche",
    band_age_0_5: "0–5",
    band_age_6_11: "6–11",
    band_age_12_17: "12–17",
    unnamed: "ohne Namen",
    embedTitle: "Wo ist der nächste Spielplatz?",
    embedHint: "Tippen Sie auf die Karte: wir zeigen, was Sie in 10 Minuten zu Fuß erreichen.",
    moreOnMap: "Große Karte öffnen",
    scenarios: "Szenarien",
    scenarioPick: "Szenario",
    scenarioSketch: "Entwurf (nicht gespeichert)",
    scenarioName: "Name des neuen Szenarios",
    scenarioCreate: "Anlegen",
    editToken: "Bearbeitungsschlüssel",
    editTokenHint: "Nur für gespeicherte Szenarien nötig; bleibt bis zum Schließen des Tabs.",
    readOnly: "Dieser Server speichert keine Szenarien; Entwürfe werden trotzdem sofort berechnet.",
    addFacility: "Spielort in die Karte setzen",
    addHint: "Klicken Sie in die Karte, um den neuen Spielort zu setzen (Esc bricht ab).",
    drawArea: "Fläche zeichnen",
    drawHint: "Klicken Sie die Ecken der Fläche; ein Klick auf die erste Ecke oder ein Doppelklick schließt sie (Esc bricht ab).",
    kind: "Art",
    area: "Fläche (m²)",
    edits: "Änderungen",
    noEdits: "Noch keine Änderungen: setzen Sie einen Spielort oder klicken Sie eine Einrichtung an.",
    op_add: "Neu: {what}",
    op_remove: "Geschlossen: {what}",
    op_set_access: "Zugang „{access}“: {what}",
    op_enlarge: "Fläche {area} m²: {what}",
    undoEdit: "Rückgängig",
    effect: "Wirkung auf den versorgten Anteil ({band})",
    neighbourhood: "Stadtteil",
    before: "vorher",
    after: "nachher",
    change: "Änderung",
    total: "Gesamt",
    childrenGained: "Kinder neu versorgt",
    noChange: "Keine Änderung.",
    showChange: "Änderung als Karte zeigen",
    changeLegend: "Änderung des versorgten Anteils",
    removeFacility: "Schließen",
    openFacility: "Öffentlich öffnen",
    enlargeFacility: "Fläche ändern",
    scenarioError: "Nicht möglich:",
    suggestions: "Standortvorschläge",
    suggestRun: "Vorschlagen",
    count: "Anzahl",
    gained: "+{n} Kinder",
    suggestNone: "Keine geeigneten Flächen gefunden.",
    planHere: "Hier planen",
    working: "wird berechnet …",
    staticHint: "Tippen Sie auf die Karte: wir zeigen die nächsten Orte (Luftlinie) und die Versorgung des Stadtteils.",
    crowFlies: "Luftlinie",
    coverageOf: "{name}: Kinder mit Spielort in Gehweite",
    years: "Jahre",
  },
  en: {
    title: "Spielraum",
    search: "Search",
    searchPlaceholder: "Search a neighbourhood or place …",
    ageBand: "Age group",
    servedShare: "Share of children with a play place within walking distance",
    noData: "no data yet",
    layers: "Layers",
    facilities: "Facilities",
    neighbourhoods: "Neighbourhoods",
    gaps: "Coverage gaps",
    buildings: "Buildings",
    population: "Residents",
    reach: "Reach",
    reachMode: "Click the map to see what is within walking distance",
    minutes: "Minutes",
    embed: "Embed on your website",
    close: "Close",
    residents: "Residents",
    children: "Children",
    served: "served",
    gapChildren: "Children without a play place within walking distance",
    playArea: "Play area per child",
    needRank: "Need (rank)",
    noIndicators: "No indicators for this neighbourhood yet.",
    reachTitle: "Within {m} minutes on foot",
    reachNone: "No facility within {m} minutes on foot.",
    reachError: "The walking reach could not be computed.",
    metres: "m",
    kind_playground: "Playground",
    kind_kindergarten: "Kindergarten",
    kind_school: "School",
    kind_open_space: "Park / green space",
    band_age_0_5: "0–5",
    band_age_6_11: "6–11",
    band_age_12_17: "12–17",
    unnamed: "unnamed",
    embedTitle: "Where is the nearest playground?",
    embedHint: "Tap the map: we show what you can reach in 10 minutes on foot.",
    moreOnMap: "Open the full map",
    scenarios: "Scenarios",
    scenarioPick: "Scenario",
    scenarioSketch: "Sketch (not saved)",
    scenarioName: "Name of the new scenario",
    scenarioCreate: "Create",
    editToken: "Edit token",
    editTokenHint: "Needed for saved scenarios only; kept until this tab closes.",
    readOnly: "This server keeps no scenarios; sketches are still computed at once.",
    addFacility: "Place a facility on the map",
    addHint: "Click the map to place the new facility (Esc cancels).",
    drawArea: "Draw an area",
    drawHint: "Click the corners of the area; a click on the first corner or a double click closes it (Esc cancels).",
    kind: "Kind",
    area: "Area (m²)",
    edits: "Edits",
    noEdits: "No edits yet: place a facility or click an existing one.",
    op_add: "New: {what}",
    op_remove: "Closed: {what}",
    op_set_access: "Access “{access}”: {what}",
    op_enlarge: "Area {area} m²: {what}",
    undoEdit: "Undo",
    effect: "Effect on the served share ({band})",
    neighbourhood: "Neighbourhood",
    before: "before",
    after: "after",
    change: "change",
    total: "Total",
    childrenGained: "children newly served",
    noChange: "No change.",
    showChange: "Show the change on the map",
    changeLegend: "Change of the served share",
    removeFacility: "Close",
    openFacility: "Open to the public",
    enlargeFacility: "Change area",
    scenarioError: "Not possible:",
    suggestions: "Location suggestions",
    suggestRun: "Suggest",
    count: "Count",
    gained: "+{n} children",
    suggestNone: "No suitable sites found.",
    planHere: "Plan here",
    working: "computing …",
    staticHint: "Tap the map: we list the nearest places (as the crow flies) and the neighbourhood's coverage.",
    crowFlies: "as the crow flies",
    coverageOf: "{name}: children with a play place within walking distance",
    years: "years",
  },
} as const;

export type Key = keyof (typeof strings)["de"];

let current: Lang = "de";

/** The language from `?lang=`, else German when the browser asks for it, else English. */
export function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get("lang");
  if (q === "de" || q === "en") return q;
  return navigator.language.toLowerCase().startsWith("de") ? "de" : "en";
}

export function setLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
  document.querySelectorAll<HTMLElement>("[data-i18n]").forEach((el) => {
    el.textContent = t(el.dataset.i18n as Key);
  });
  document.querySelectorAll<HTMLInputElement>("[data-i18n-placeholder]").forEach((el) => {
    el.placeholder = t(el.dataset.i18nPlaceholder as Key);
  });
  document.querySelectorAll<HTMLElement>("[data-i18n-aria]").forEach((el) => {
    el.setAttribute("aria-label", t(el.dataset.i18nAria as Key));
  });
}

export function lang(): Lang {
  return current;
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  let s: string = strings[current][key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}
