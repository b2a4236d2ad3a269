# Sourced (not run) by the scripts that use the release binary: installs what building needs,
# builds it, and sets `luminous` (its path) and `work` (a scratch folder removed on exit; a
# script with more to clean up sets its own trap, which must remove it too).
# `voice_models` then points the data folder at the benchmarks' model cache and fetches the
# speech models into it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tests/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/luminous-target}"
cargo build -q --release --locked -p luminous
luminous="$CARGO_TARGET_DIR/release/luminous"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

voice_models() {
  export XDG_DATA_HOME="${LUMINOUS_BENCH_DATA:-/var/tmp/luminous-bench-data}" XDG_CONFIG_HOME="$work/config"
  "$luminous" models fetch whisper-tiny.en onnxruntime en_US-joe-medium >/dev/null
}
