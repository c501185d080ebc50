#!/usr/bin/env python3
"""Generation speed of medcot's evaluation (`medcot.evaluation.generate`: batched, left-padded, sorted by length)
against the one-question-at-a-time `generate` loop the seeds' evaluations use, on the same backend.

A Llama-3.2-1B or -3B *shape* with random weights (speed does not depend on the values; `train_speed.py` builds it),
loaded in 4-bit NF4 through `medcot.model.load_model` on the chosen backend; the prompts are real medical-o1
questions rendered with medcot's chat prompt (their lengths are the real mix); 256 new tokens (random weights
almost never emit a stop token, so every row runs the full 256; the count used is what was generated).
The loop is timed on the first --loop prompts (it is slow; tokens/s does not depend on how many), the batched path
on all of them. Prints tokens/s and the ratio, and appends a JSON line per measurement to --out.

  python3 bench/gen_speed.py --size 3B --backend unsloth --questions .gpu/questions.json --out $OUT/gen_speed.jsonl
  python bench/gen_speed.py --dry-run     # here on the CPU: tiny shape, 8 new tokens, to check that it runs
"""
import argparse, json, sys, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_speed import build_model_dir

def questions(path, n):
    "n questions: from a JSON list file (copied from ../shared/data), else the rows bundled with medcot"
    from medcot.data import fixture_path, load_rows
    qs = json.loads(Path(path).read_text()) if path else list(load_rows(fixture_path())["Question"])
    return (qs * (n // len(qs) + 1))[:n]

def loop(model, tok, prompts, new_tokens):
    "What the seeds do: one prompt at a time, `generate`, decode"
    import torch
    from medcot.model import stop_token_ids
    n = 0
    for p in prompts:
        ids = tok(p, add_special_tokens=False, return_tensors="pt").to(model.device)
        with torch.inference_mode():
            out = model.generate(**ids, max_new_tokens=new_tokens, do_sample=False, eos_token_id=stop_token_ids(tok),
                                 pad_token_id=tok.pad_token_id)
        n += out.shape[1] - ids["input_ids"].shape[1]
        tok.decode(out[0, ids["input_ids"].shape[1]:], skip_special_tokens=True)
    return n

def timed(f, *args):
    import torch
    if torch.cuda.is_available(): torch.cuda.synchronize()
    t = time.perf_counter(); n = f(*args)
    if torch.cuda.is_available(): torch.cuda.synchronize()
    return n, time.perf_counter() - t

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="3B", choices=["1B", "3B", "tiny"])
    p.add_argument("--backend", default="transformers", choices=["transformers", "unsloth", "cpu"])
    p.add_argument("--questions", help="JSON list of question strings (default: the bundled rows)")
    p.add_argument("--n", type=int, default=64, help="prompts for the batched path (= its batch size)")
    p.add_argument("--loop", type=int, default=4, help="prompts for the one-at-a-time loop")
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--work", default="/tmp/medcot-standin")
    p.add_argument("--out", help="append JSON lines here")
    p.add_argument("--no-dequantize", action="store_true", help="medcot's path without `dequantize` (4-bit layers "
                   "dequantized at every step, as before it)")
    p.add_argument("--dry-run", action="store_true", help="tiny shape on the CPU, 8 new tokens")
    a = p.parse_args(argv)
    if a.dry_run: a.size, a.backend, a.new_tokens, a.n, a.loop = "tiny", "cpu", 8, 8, 2
    import torch
    from medcot.data import build_prompt
    from medcot.generate import generate
    from medcot.model import load_model
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model_dir = build_model_dir(a.size, Path(a.work), device)
    model, tok = load_model(str(model_dir), max_seq_length=2048, load_in_4bit=a.backend != "cpu", backend=a.backend)
    prompts = [build_prompt(q, tok) for q in questions(a.questions, a.n)]
    generate(model, tok, prompts[:2], max_new_tokens=4, batch_size=2, progress=False)  # warm-up (kernels, caches)
    n_loop, t_loop = timed(loop, model, tok, prompts[:a.loop], a.new_tokens)
    gens, t_batch = timed(lambda: generate(model, tok, prompts, max_new_tokens=a.new_tokens, batch_size=a.n, progress=False,
                                           dequantize=not a.no_dequantize))
    n_batch = sum(g.n_tokens for g in gens)
    rows = [dict(path="one at a time", batch=1, prompts=a.loop, tokens=n_loop, seconds=t_loop, tok_s=n_loop / t_loop),
            dict(path="medcot generate" + (" (no dequantize)" if a.no_dequantize else ""), batch=a.n, prompts=a.n, tokens=n_batch, seconds=t_batch, tok_s=n_batch / t_batch)]
    dev = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    print(f"\n{a.size} shape, backend {a.backend}, 4-bit {a.backend != 'cpu'}, {a.new_tokens} new tokens, {dev}")
    for r in rows: print(f"  {r['path']:>32} batch {r['batch']:>3}: {r['tokens']:>6} tokens in {r['seconds']:7.1f} s = {r['tok_s']:8.1f} tokens/s")
    print(f"  ratio batched / one at a time: {rows[1]['tok_s'] / rows[0]['tok_s']:.1f}x")
    if a.out:
        with open(a.out, "a") as f:
            for r in rows: f.write(json.dumps(dict(size=a.size, backend=a.backend, device=dev, new_tokens=a.new_tokens, **r)) + "\n")

if __name__ == "__main__": main()
