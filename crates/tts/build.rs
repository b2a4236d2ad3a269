//! espeak-ng (built by espeak-rs-sys) needs libsonic, which espeak-rs-sys does not link
//! itself. It is looked for in `SONIC_LIB_DIR`, then in the linker's search paths that the
//! build environment names (`LIBRARY_PATH`, and `-L` in `NIX_LDFLAGS` under Nix), then in
//! the usual system folders. A static libsonic (Debian's libsonic-dev) is preferred, so the
//! program does not need libsonic at run time; a shared one is linked otherwise.
fn main() {
    for var in ["SONIC_LIB_DIR", "LIBRARY_PATH", "NIX_LDFLAGS"] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    let env = |k: &str| std::env::var(k).unwrap_or_default();
    let arch = env("CARGO_CFG_TARGET_ARCH");
    let mut dirs: Vec<String> = vec![env("SONIC_LIB_DIR")];
    dirs.extend(env("LIBRARY_PATH").split(':').map(str::to_owned));
    dirs.extend(
        env("NIX_LDFLAGS")
            .split_whitespace()
            .filter_map(|f| f.strip_prefix("-L"))
            .map(str::to_owned),
    );
    dirs.extend([
        format!("/usr/lib/{arch}-linux-gnu"),
        "/usr/lib".to_owned(),
        "/usr/local/lib".to_owned(),
    ]);
    let has = |d: &String, f: &str| !d.is_empty() && std::path::Path::new(d).join(f).exists();
    if let Some(dir) = dirs.iter().find(|d| has(d, "libsonic.a")) {
        println!("cargo:rustc-link-search=native={dir}");
        println!("cargo:rustc-link-lib=static=sonic");
    } else if let Some(dir) = dirs.iter().find(|d| has(d, "libsonic.so")) {
        println!("cargo:rustc-link-search=native={dir}");
        println!("cargo:rustc-link-lib=dylib=sonic");
    } else {
        // Let the linker say what is missing.
        println!("cargo:rustc-link-lib=static=sonic");
    }
}
