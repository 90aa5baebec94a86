"""Insights: throughput, cumulative flow, cycle time, workload and aging work.

- ``weeks``: Monday-start weeks in the organization's time zone.
- ``history``: a task's status and liveness over time, read back from the audit log.
- ``rollup``: counting tasks week by week (what a snapshot stores).
- ``report``: what the page shows, from the snapshot plus what changed since it was built.

The snapshot is built by ``workspace.services.insights`` (a Huey job, ``tasks.insights``).
"""
