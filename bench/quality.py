#!/usr/bin/env python3
"""Quality on real data (issue 5): SmolLM2-135M-Instruct base versus its medical-o1 adapter on held-out rows, and
base accuracy on MedQA questions. CPU work (the real model's file is over the GPU machine's carry limit).

  python bench/quality.py --adapter runs/smollm2-medical-o1/adapter --heldout runs/smollm2-medical-o1/heldout.jsonl \
      --medqa ../shared/data/medqa_mcq.jsonl.gz --out runs/quality

The adapter and its held-out rows come from the real fine-tune of notebook 03 (its `slow` cell). Generations are
cached in --out as they finish, so an interrupted run resumes where it stopped. Prints the before/after table."""
import argparse, json, time
from pathlib import Path

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--adapter", required=True); p.add_argument("--heldout", required=True)
    p.add_argument("--medqa"); p.add_argument("--out", default="runs/quality")
    p.add_argument("--rows", type=int, default=100, help="held-out rows (the test split first)")
    p.add_argument("--mcq", type=int, default=200, help="MedQA questions for the base model")
    p.add_argument("--max-new-tokens", type=int, default=512); p.add_argument("--mcq-new-tokens", type=int, default=192)
    p.add_argument("--batch-size", type=int, default=16)
    a = p.parse_args()
    from medcot.cli import heldout_rows
    from medcot.data import read_records
    from medcot.evaluation import compare_adapter, comparison_table, evaluate_model
    from medcot.hub import load_for_inference
    model, tok = load_for_inference(a.adapter, backend="cpu", load_in_4bit=False)
    rows = heldout_rows(Path(a.heldout).parent, a.rows)
    t0 = time.time()
    res = compare_adapter(model, tok, rows, a.out, max_new_tokens=a.max_new_tokens, batch_size=a.batch_size)
    print(f"{len(rows)} held-out rows, {a.max_new_tokens} new tokens, {time.time() - t0:.0f} s")
    print(comparison_table(res).to_string())
    if a.medqa:
        t0 = time.time()
        with model.disable_adapter():
            mcq = evaluate_model(model, tok, read_records(a.medqa)[:a.mcq], a.out, "base-medqa",
                                 max_new_tokens=a.mcq_new_tokens, batch_size=a.batch_size)
        print(f"MedQA, base model, {a.mcq} questions, {a.mcq_new_tokens} new tokens, {time.time() - t0:.0f} s:",
              json.dumps({k: v for k, v in mcq["summary"].items() if k.startswith(("accuracy", "letters", "n"))}))

if __name__ == "__main__": main()
