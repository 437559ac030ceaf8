//! The planning map itself: MapLibre style, kind colours, tile-layer definitions, legend and the map's GeoJSON (reach, facilities, neighbourhoods).
