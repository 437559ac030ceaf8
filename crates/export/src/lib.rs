//! The static website export: one PMTiles archive, style, embed page, indicators and a README for a city's web team.
