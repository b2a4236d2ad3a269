#!/usr/bin/env bash
# How well spoken requests are understood end to end (espeak-ng speech -> whisper -> intent),
# on phrasings and voices that are not the registry's examples nor the tests' clips. Reports
# how many got the right intent and slot, and lists the others with what was heard; it asserts
# nothing (the tests do that on their own clips). A change that helps one clip here should be
# checked against the rest, and against tests/bench-compare.sh, before it is kept.
source "$(dirname "$0")/release.sh"
voice_models
mkdir -p "$work/clips"
# voice | words a minute | what is said | the intent | its main slot (empty when none)
n=0
while IFS='|' read -r voice rate text intent slot; do
  [ -z "$voice" ] && continue
  espeak-ng -v "$voice" -s "$rate" -w "$work/raw.wav" "$text"
  sox "$work/raw.wav" -r 16000 -c 1 -b 16 "$work/clips/$(printf %02d "$n").wav" pad 0.2 0.3
  printf '%s\t%s\t%s\n' "$text" "$intent" "$slot" >"$work/clips/$(printf %02d "$n").txt"
  n=$((n + 1))
done <<'TABLE'
en-us+m3|150|could you please remove vlc from my computer|remove_package|vlc
en-gb|170|switch on bluetooth|enable_service|bluetooth
en-us+f2|160|I'd like to try htop|try_package|htop
en-us|185|what's installed|list_installed|
en-gb|150|how much disk space do I have|disk_usage|
en-us+m3|170|free up some space|collect_garbage|
en-us+f2|150|update everything|update_system|
en-us|140|put gimp on my computer|install_package|gimp
en-gb|180|turn on the printer service|enable_service|printing
en-us+m3|160|undo the last change|rollback_system|
en-us+f2|175|show me my generations|list_generations|
en-us|160|uninstall libreoffice|remove_package|libreoffice
en-gb|160|search for a pdf reader|search_package|pdf reader
en-us+m3|150|disable ssh|disable_service|ssh
en-us+f2|170|speak faster|set_preference|speech_rate
en-us|150|tell me about my system|system_info|
en-gb|165|install visual studio code|install_package|vscode
en-us+m3|180|why did my rebuild fail|explain_error|
en-us+f2|150|enable docker|enable_service|docker
en-us|170|get me chromium|install_package|chromium
en-gb|160|please get rid of steam|remove_package|steam
en-us+f2|145|I want to install spotify|install_package|spotify
en-us+m3|175|can you add neovim|install_package|neovim
en-us|150|turn bluetooth off|disable_service|bluetooth
en-gb+f3|165|start the ssh server|enable_service|ssh
en-us+m7|155|go back to the previous generation|rollback_system|
en-us|180|how much space is left on the disk|disk_usage|
en-gb|145|delete old generations|collect_garbage|
en-us+f2|160|upgrade my system|update_system|
en-us+m3|170|is firefox installed|list_installed|
en-us|165|find me a video editor|search_package|video editor
en-gb|175|let me try cowsay|try_package|cowsay
en-us+f4|150|remove thunderbird please|remove_package|thunderbird
en-us+m3|160|switch off the firewall|disable_service|firewall
en-us|140|install the vlc media player|install_package|vlc
en-gb+m2|170|talk more slowly|set_preference|speech_rate
en-us+f2|180|what went wrong with the last rebuild|explain_error|
en-us|155|list my installed programs|list_installed|
en-gb|160|install git|install_package|git
en-us+m3|150|please enable the printing service|enable_service|printing
TABLE
"$luminous" bench voice --json --config tests/data/configuration.nix "$work/clips" >"$work/out.json"
python3 - "$work/out.json" "$work/clips" <<'PY'
import json, sys
from pathlib import Path
out, clips = json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])
right, misses = 0, []
for r in out["results"]:
    text, intent, slot = (clips / r["file"]).with_suffix(".txt").read_text().rstrip("\n").split("\t")
    def fits(i, slots):
        return i == intent and (not slot or slot in slots.values() or slots.get("name") == slot)
    slots = r.get("slots") or {}
    # Right: understood, or asked about exactly that as a yes/no question.
    offers = r.get("options") or []
    ok = fits(r.get("intent"), slots) or (len(offers) == 1 and fits(offers[0]["intent"], offers[0]["slots"]))
    right += ok
    if not ok:
        misses.append(f"{text}: heard {r.get('transcript')!r}, understood {r.get('intent')} {slots}")
print(f"Understood {right} of {len(out['results'])} spoken requests.")
for m in misses:
    print("missed:", m)
PY
