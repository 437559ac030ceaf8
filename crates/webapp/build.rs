//! Re-embeds the web app when `web/dist` changes: the embedding macro reads the folder at
//! compile time, so cargo must compile this crate again whenever a file there is added,
//! changed or removed.

use std::path::Path;

fn main() {
    // A folder is watched as a whole (cargo compares the modification time of everything in
    // it). Without `web/dist`, the `web` folder is watched instead, so the first
    // `npm run build` (which adds `dist` to it) is picked up without compiling on every build.
    if Path::new("../../web/dist").exists() {
        println!("cargo:rerun-if-changed=../../web/dist");
    } else {
        println!("cargo:rerun-if-changed=../../web");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
