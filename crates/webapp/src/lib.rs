//! The built web app (planner map, embed, static page), embedded in the binary; a folder on disk may override it for development.
