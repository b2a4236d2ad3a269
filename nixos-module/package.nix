# The luminous binary, built from this repository with nixpkgs' toolchain. whisper.cpp
# (whisper-rs-sys) and espeak-ng (espeak-rs-sys) are compiled from their crates' vendored
# sources with cmake and bindgen; ALSA and libsonic come from nixpkgs. ONNX Runtime is
# loaded at run time (ort's load-dynamic), so it is not linked: the NixOS module points the
# setting `onnxruntime` at nixpkgs' library. espeak-ng's phoneme data, which the build
# leaves in its OUT_DIR, is installed under share/ and found through
# PIPER_ESPEAKNG_DATA_DIRECTORY.
{ lib
, rustPlatform
, cmake
, pkg-config
, makeWrapper
, alsa-lib
, sonic
, src
}:

rustPlatform.buildRustPackage {
  pname = "luminous";
  version = "0.1.0";
  inherit src;
  cargoLock.lockFile = ../Cargo.lock;
  cargoBuildFlags = [ "-p" "luminous" ];

  nativeBuildInputs = [ cmake pkg-config makeWrapper rustPlatform.bindgenHook ];
  # libsonic for espeak-ng (crates/tts/build.rs finds it through NIX_LDFLAGS).
  buildInputs = [ alsa-lib sonic ];
  # cmake is for the crates' build scripts, not a project of its own.
  dontUseCmakeConfigure = true;

  # The tests need a private Nix store, PulseAudio and D-Bus; they run in the project's CI
  # (tests/run-all.sh) and in this flake's VM check.
  doCheck = false;

  postInstall = ''
    data=$(find "$NIX_BUILD_TOP" -type d -name espeak-ng-data -path '*espeak-rs-sys*' | head -n 1)
    if [ -z "$data" ]; then
      echo "espeak-ng-data was not built" >&2
      exit 1
    fi
    mkdir -p $out/share/luminous
    cp -r "$data" $out/share/luminous/
    wrapProgram $out/bin/luminous --set-default PIPER_ESPEAKNG_DATA_DIRECTORY $out/share/luminous

    install -Dm644 crates/luminous/systemd/org.luminous.Assistant.desktop \
      $out/share/applications/org.luminous.Assistant.desktop
    mkdir -p $out/share/bash-completion/completions $out/share/zsh/site-functions $out/share/fish/vendor_completions.d
    $out/bin/luminous completions bash > $out/share/bash-completion/completions/luminous
    $out/bin/luminous completions zsh > $out/share/zsh/site-functions/_luminous
    $out/bin/luminous completions fish > $out/share/fish/vendor_completions.d/luminous.fish
  '';

  meta = {
    description = "A local, voice-first assistant for NixOS";
    mainProgram = "luminous";
    license = lib.licenses.mit;
    platforms = lib.platforms.linux;
  };
}
