//! espeak-ng (built by espeak-rs-sys) needs libsonic, which espeak-rs-sys does not link
//! itself. It is linked statically from Debian's libsonic-dev (or `SONIC_LIB_DIR`), so the
//! program does not need libsonic at run time.
fn main() {
    println!("cargo:rerun-if-env-changed=SONIC_LIB_DIR");
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let dirs = [
        std::env::var("SONIC_LIB_DIR").unwrap_or_default(),
        format!("/usr/lib/{arch}-linux-gnu"),
        "/usr/lib".to_owned(),
        "/usr/local/lib".to_owned(),
    ];
    if let Some(dir) = dirs
        .iter()
        .find(|d| !d.is_empty() && std::path::Path::new(d).join("libsonic.a").exists())
    {
        println!("cargo:rustc-link-search=native={dir}");
    }
    println!("cargo:rustc-link-lib=static=sonic");
}
