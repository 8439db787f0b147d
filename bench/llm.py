"""Local LLM benchmark: load time, time to first token and tokens/s on a ~1,500-token prompt.

Runs the real `local/smollm2` through LiteLLM (the same path the agent uses).
Writes bench/results/llm.json.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import summary, write_result

from deskpilot.offline import configure_offline_env

configure_offline_env()


def main(runs: int = 5, max_tokens: int = 64) -> None:
    from deskpilot import llm
    from deskpilot.llm.gateway import local_engine

    engine = local_engine()
    start = time.perf_counter()
    engine._load()
    load_s = time.perf_counter() - start

    paragraph = (
        "Refunds can be issued for up to 180 days after the original charge. Partial refunds are "
        "allowed, and the processing fee of the original charge is not returned. "
    )
    context = paragraph * 48

    def messages_for(run: int) -> list[dict[str, str]]:
        # a different first line each run defeats llama.cpp's prompt-prefix cache
        return [
            {"role": "system", "content": f"Session {run}. Answer from the context in one sentence."},
            {
                "role": "user",
                "content": f"Context:\n{context}\nQuestion: How long do I have to refund a charge?",
            },
        ]

    prompt_tokens = len(engine._llm.tokenize(str(messages_for(0)).encode()))
    ttft, totals, rates, gen_tokens = [], [], [], []
    for run in range(runs):
        messages = messages_for(run)
        t0 = time.perf_counter()
        first = None
        n = 0
        for _part in llm.stream(messages, max_tokens=max_tokens):
            if first is None:
                first = time.perf_counter() - t0
            n += 1
        total = time.perf_counter() - t0
        ttft.append(first or total)
        totals.append(total)
        gen_tokens.append(n)
        decode = total - (first or 0)
        rates.append((n - 1) / decode if n > 1 and decode > 0 else 0.0)
    write_result(
        "llm",
        {
            "model": "local/smollm2 (SmolLM2-135M-Instruct Q4_1, llama.cpp in-process)",
            "prompt_tokens": prompt_tokens,
            "max_tokens": max_tokens,
            "load_s": round(load_s, 3),
            "ttft_s": summary(ttft),
            "total_s": summary(totals),
            "decode_tokens_per_s": summary(rates),
            "prompt_tokens_per_s_p50": round(prompt_tokens / summary(ttft)["p50"], 1),
            "note": "2 shared cores; numbers move with other load on the machine",
            "generated_tokens": summary([float(g) for g in gen_tokens]),
        },
    )


if __name__ == "__main__":
    main()
