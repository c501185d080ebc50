#!/usr/bin/env python3
"""Generation engines compared on the benchmark suite's workload: transformers' continuous batching (`engine="continuous"`)
against medcot's batched path (`engine="batched"`, today's default: the model as loaded, 4-bit, sorted batches).

The model is a Llama-3.2-1B or -3B *shape* with random weights (speed does not depend on the values; `train_speed.py`
builds it), loaded through `medcot.model.load_model` in 4-bit on the chosen backend, with a LoRA adapter on all seven
projections (so the continuous engine merges one, as after training). The prompts are real questions rendered with
medcot's chat prompt (`--prompts`: a JSON list of user turns; default the bundled medical-o1 questions); each request
has its own budget, drawn (seeded) from the medical-o1 completion lengths in `--lengths`, so rows end at different
times as real answers do. Random weights almost never emit a stop token, so a row runs to its budget: every counted
token is one a real answer of that length would have needed ("useful" tokens, not the padding a batch runs on).

Workloads (--runs, comma-separated), each appended as a JSON line to --out:
  mix        --requests requests, budgets from the length mix, both engines (the batched path on the first
             --baseline-requests only: its tokens/s does not depend on how many batches it runs)
  skew       1 request in 8 with 4x the budget of the others (256 and 1,024), against `uniform` (all 256)
  uniform    all budgets 256
  breakeven  the wall time of both engines, warm-up and merge included, for a few small request counts
The continuous engine's time is split: merging the adapter into a 16-bit copy, warm-up (engine setup and CUDA-graph
capture, timed as a one-token request), and generation; tokens/s counts generation only, and the total is printed
too. Each measurement repeats --repeats times, interleaving the engines; the ratio printed is the median with its
range.

  python3 bench/engine_speed.py --size 3B --backend unsloth --prompts .gpu/medqa_prompts.json --out $OUT/engine.jsonl
  python bench/engine_speed.py --dry-run     # here on the CPU: tiny shape, a few requests, to check that it runs
"""
import argparse, json, random, statistics, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_speed import build_model_dir

HERE = Path(__file__).resolve().parent

def completion_lengths(path):
    "The completion lengths (tokens) of a lengths file written by `train_speed.py --make-lengths`"
    return [int(c) for _, c in json.loads(Path(path).read_text())["examples"]]

def user_turns(path, n):
    "n user turns: from a JSON list file, else the medical-o1 questions bundled with medcot (repeated to n)"
    from medcot.data import fixture_path, load_rows
    qs = json.loads(Path(path).read_text()) if path else list(load_rows(fixture_path())["Question"])
    return (qs * (n // len(qs) + 1))[:n]

def sync():
    import torch
    if torch.cuda.is_available(): torch.cuda.synchronize()

def timed(f):
    "(result, seconds) of f()"
    sync(); t = time.perf_counter(); r = f(); sync()
    return r, time.perf_counter() - t

def run_batched(model, tok, prompts, budgets, batch_size):
    "Today's default path: generated tokens and seconds"
    from medcot.generate import generate
    gens, s = timed(lambda: generate(model, tok, prompts, budgets, batch_size=batch_size, engine="batched", progress=False))
    return dict(tokens=sum(g.n_tokens for g in gens), seconds=s)

def run_continuous(model, tok, prompts, budgets):
    "The continuous engine, its time split into merge, warm-up and generation"
    import torch
    from medcot.generate import _generate_continuous, merged_copy
    from medcot.model import stop_token_ids
    ids = [tok(p, add_special_tokens=False)["input_ids"] for p in prompts]
    m16, merge_s = timed(lambda: merged_copy(model))
    if torch.cuda.is_available(): torch.cuda.reset_peak_memory_stats()
    got = {}
    _, warm_s = timed(lambda: _generate_continuous(m16, tok, ids[:1], [1], dict(do_sample=False), None, got.__setitem__))
    got.clear()
    _, total_s = timed(lambda: _generate_continuous(m16, tok, ids, budgets, dict(do_sample=False), None, got.__setitem__))
    tokens = sum(g.n_tokens for g in got.values())
    peak = torch.cuda.max_memory_allocated() / 2**30 if torch.cuda.is_available() else None
    del m16
    if torch.cuda.is_available(): torch.cuda.empty_cache()
    return dict(tokens=tokens, seconds=total_s - warm_s, warmup_s=warm_s, merge_s=merge_s, total_s=total_s + merge_s,
                peak_gib=peak, stopped=sum(g.stopped for g in got.values()))

def spread(xs):
    return f"{statistics.median(xs):.2f}x (range {min(xs):.2f}-{max(xs):.2f}, {len(xs)} repeats)"

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="3B", choices=["1B", "3B", "tiny"])
    p.add_argument("--backend", default="unsloth", choices=["transformers", "unsloth", "cpu"])
    p.add_argument("--dtype", default=None, choices=["bfloat16", "float16"], help="the continuous engine's 16-bit type (default: bf16 where the GPU has it)")
    p.add_argument("--prompts", help="JSON list of user turns (default: the bundled medical-o1 questions)")
    p.add_argument("--lengths", default=str(HERE / "lengths_medical_o1_en.json"))
    p.add_argument("--requests", type=int, default=1000)
    p.add_argument("--baseline-requests", type=int, default=192, help="requests the batched path runs in `mix`")
    p.add_argument("--batch-size", type=int, default=64, help="the batched path's batch size")
    p.add_argument("--runs", default="mix,skew,uniform,breakeven")
    p.add_argument("--breakeven", default="8,16,32,64", help="request counts for `breakeven`")
    p.add_argument("--repeats", type=int, default=1)
    p.add_argument("--work", default="/tmp/medcot-standin")
    p.add_argument("--out", help="append JSON lines here")
    p.add_argument("--dry-run", action="store_true", help="tiny shape on the CPU, few requests, short budgets")
    a = p.parse_args(argv)
    if a.dry_run: a.size, a.backend, a.requests, a.baseline_requests, a.batch_size, a.breakeven = "tiny", "cpu", 12, 6, 4, "2,4"
    import torch
    from medcot.data import build_prompt
    from medcot.lora import add_lora
    from medcot.model import load_model
    device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    model_dir = build_model_dir(a.size, Path(a.work), device)
    model, tok = load_model(str(model_dir), max_seq_length=4096, load_in_4bit=a.backend != "cpu", backend=a.backend)
    model = add_lora(model, r=16, alpha=16).eval()
    if a.dtype:
        import medcot.generate as g
        g.engine_dtype = lambda m, d=getattr(torch, a.dtype): d
    rng = random.Random(0)
    lengths = completion_lengths(a.lengths)
    scale = 16 if a.dry_run else 1  # the dry run's budgets: a sixteenth
    prompts = [build_prompt(q, tok) for q in user_turns(a.prompts, a.requests)]
    mix = [max(1, rng.choice(lengths) // scale) for _ in prompts]
    skew = [max(1, (1024 if i % 8 == 0 else 256) // scale) for i in range(len(prompts))]
    uniform = [max(1, 256 // scale)] * len(prompts)
    base = dict(size=a.size, backend=a.backend, device=dev, dtype=a.dtype or "auto", batch_size=a.batch_size,
                date=time.strftime("%Y-%m-%d %H:%M"))
    def record(**row):
        row = {**base, **row}
        print("  " + ", ".join(f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k not in base), flush=True)
        if a.out:
            with open(a.out, "a") as f: f.write(json.dumps(row) + "\n")
        return row
    run_batched(model, tok, prompts[:2], [4, 4], 2)  # kernels and caches warmed once
    print(f"{a.size} shape, backend {a.backend}, {dev}, {len(prompts)} requests, median budget {statistics.median(mix)}", flush=True)
    for what in a.runs.split(","):  # in the order given
        if what == "breakeven":
            for n in map(int, a.breakeven.split(",")):
                b = record(run="breakeven", engine="batched", requests=n, **run_batched(model, tok, prompts[:n], mix[:n], a.batch_size))
                c = record(run="breakeven", engine="continuous", requests=n, **run_continuous(model, tok, prompts[:n], mix[:n]))
                print(f"  {n} requests: batched {b['seconds']:.1f} s, continuous {c['total_s']:.1f} s with merge and warm-up", flush=True)
            continue
        budgets = dict(mix=mix, skew=skew, uniform=uniform)[what]
        nb = min(a.baseline_requests, len(prompts))
        ratios = []
        for rep in range(a.repeats):
            b = record(run=what, engine="batched", repeat=rep, requests=nb, **run_batched(model, tok, prompts[:nb], budgets[:nb], a.batch_size))
            c = record(run=what, engine="continuous", repeat=rep, requests=len(prompts), **run_continuous(model, tok, prompts, budgets))
            b["tok_s"], c["tok_s"] = b["tokens"] / b["seconds"], c["tokens"] / c["seconds"]
            ratios.append(c["tok_s"] / b["tok_s"])
            print(f"  {what}: continuous {c['tok_s']:,.0f} tokens/s (warm-up {c['warmup_s']:.1f} s, merge {c['merge_s']:.1f} s, "
                  f"peak {c['peak_gib'] or 0:.1f} GiB) against batched {b['tok_s']:,.0f}", flush=True)
        print(f"  {what}: continuous / batched = {spread(ratios)}", flush=True)

if __name__ == "__main__": main()
