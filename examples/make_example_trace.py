#!/usr/bin/env python3
"""Writes examples/small-trace.csv: Orrery's own small example workload (native format).

300 jobs over about 20 hours on a 64-GPU cluster, deliberately loaded so that queueing matters:
mostly short 1-GPU jobs with a heavy tail of long multi-GPU gang jobs, as in the Philly and Helios
traces (Jeon et al., ATC'19; Hu et al., SC'21). Deterministic (fixed seed); rerun to regenerate.
"""
import random

rng = random.Random(20261123)
users = ["alice", "bob", "carol", "dave", "erin"]
queues = {"alice": "research", "bob": "research", "carol": "prod", "dave": "prod", "erin": "interns"}
rows = []
t = 0.0
for i in range(300):
    hour = (t / 3600.0) % 24
    rate = 1 / 110.0 if 8 <= hour < 20 else 1 / 300.0  # busier in the working day
    t += rng.expovariate(rate)
    r = rng.random()
    if r < 0.55:
        gpus, tasks = 1, 1
    elif r < 0.75:
        gpus, tasks = 2, 1
    elif r < 0.88:
        gpus, tasks = 4, 1
    elif r < 0.96:
        gpus, tasks = 8, 1
    else:
        gpus, tasks = 8, 2
    # log-normal durations, longer for bigger jobs; a few very long ones
    dur = rng.lognormvariate(6.6 + 0.35 * (gpus.bit_length() - 1), 1.2)
    dur = min(max(dur, 30.0), 10 * 3600.0)
    walltime = min(24 * 3600, round(dur * rng.choice([1.5, 2, 4]) / 60 + 1) * 60)
    u = rng.choice(users)
    status = "completed" if rng.random() > 0.08 else "failed"
    rows.append((f"job{i:04d}", round(t, 3), u, queues[u], 0, tasks, gpus, "", 4 * gpus, 32768 * gpus,
                 round(dur, 3), walltime, "", "", "", status))

with open("small-trace.csv", "w") as f:
    f.write("job_id,submit_s,user,queue,priority,tasks,gpus_per_task,gpu_type,cpu_per_task,"
            "memory_mib_per_task,duration_s,walltime_s,job_class,observed_start_s,observed_end_s,"
            "observed_status\n")
    for r in rows:
        f.write(",".join(str(x) for x in r) + "\n")
