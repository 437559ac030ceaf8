// Number formats of the UI language (Intl.NumberFormat: "1.234", "2,6 %", "+2,6" in German)
// and the planning standard's walking limits per age band.
import type { Band } from "./common";
import { lang } from "./i18n";

/** The locale of the UI language. */
export const locale = (): string => (lang() === "de" ? "de-DE" : "en-GB");

/** A whole number: "1.234" (de), "1,234" (en); "–" when not a number. */
export function int(v: unknown): string {
  return typeof v === "number" && Number.isFinite(v) ? new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(v) : "–";
}

/** A number with `digits` decimals: "0,6" (de). */
export function dec(v: unknown, digits = 1): string {
  return typeof v === "number" && Number.isFinite(v) ? new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v) : "–";
}

/** A share 0…1 as percent with `digits` decimals: "2,4 %" (de), "2.4%" (en). */
export function pct(v: unknown, digits = 1): string {
  return typeof v === "number" && Number.isFinite(v)
    ? new Intl.NumberFormat(locale(), { style: "percent", minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)
    : "–";
}

/** A signed number with `digits` decimals ("+2,6", "−3", "0"). */
export function signed(v: number, digits = 0): string {
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits, signDisplay: "exceptZero" }).format(v).replace("-", "−");
}

/** A share rounded as [`pct`] shows it, in percent (0.02437 → 2.4 with one digit). */
export function shownPercent(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * 100 * f) / f;
}

/**
 * The change between two shares in percentage points as the before and after figures show it
 * (the difference of the rounded figures, so "2,4 % → 5,0 %" reads "+2,6"), signed.
 */
export function pointsBetween(before: number, after: number, digits = 1): string {
  const f = 10 ** digits;
  return signed(Math.round((shownPercent(after, digits) - shownPercent(before, digits)) * f) / f, digits);
}

/** What serves an age band, and how far children may walk, per the planning standard. */
export interface BandLimit {
  /** Largest walking distance in metres. */
  metres: number;
  /** Walking speed in km/h (for minutes). */
  speedKmh: number;
  /** Facility kinds that serve the band. */
  kinds: string[];
}

/**
 * The shipped default standard, DIN 18034-1:2020 (geodata/standards/din18034.toml). The server
 * does not publish its standard's thresholds (only its name "din18034" in comparisons), so the
 * map states these when the server names no other standard; `spielraum:standard` in the style's
 * metadata takes precedence when a server provides it.
 */
const DIN18034: { name: string; title: string; bands: Record<Band, BandLimit> } = {
  name: "din18034",
  title: "DIN 18034",
  bands: {
    age_0_5: { metres: 200, speedKmh: 3.5, kinds: ["playground"] },
    // open_space covers pitches and community gardens (docs/standards.md), as the server parses it.
    age_6_11: { metres: 400, speedKmh: 4.0, kinds: ["playground", "open_space", "sports_pitch", "community_garden"] },
    age_12_17: { metres: 1000, speedKmh: 4.5, kinds: ["playground", "open_space", "sports_pitch", "community_garden"] },
  },
};

let standard: { name: string; title: string; bands: Record<Band, BandLimit> } | null = DIN18034;

/** Takes the standard from the style's metadata (`spielraum:standard`), if the server gives one. */
export function readStandard(meta: Record<string, unknown> | undefined): void {
  const s = meta?.["spielraum:standard"] as { name?: string; title?: string; bands?: Record<string, { threshold_m?: number; speed_kmh?: number; kinds?: string[] }> } | undefined;
  if (!s?.bands) return;
  const bands = {} as Record<Band, BandLimit>;
  for (const b of ["age_0_5", "age_6_11", "age_12_17"] as Band[]) {
    const x = s.bands[b];
    if (!x || typeof x.threshold_m !== "number") return;
    bands[b] = { metres: x.threshold_m, speedKmh: x.speed_kmh ?? 4.5, kinds: x.kinds ?? ["playground"] };
  }
  standard = { name: s.name ?? "", title: s.title ?? s.name ?? "", bands };
}

/** A comparison named the server's standard: forget the default if it is another one. */
export function standardNamed(name: unknown): void {
  if (typeof name === "string" && standard?.name && standard.name !== name) standard = null;
}

/** The walking limit of a band, or null when the server's standard is unknown to the map. */
export function bandLimit(b: Band): BandLimit | null {
  return standard?.bands[b] ?? null;
}

/** The standard's short title ("DIN 18034"). */
export function standardTitle(): string {
  return standard?.title ?? "";
}
