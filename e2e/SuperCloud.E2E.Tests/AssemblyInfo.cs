// One lab at a time: each runs several TCG guests, and two of them at once on a two-core machine turn the timing
// assertions (downtime, traffic gaps, heartbeats) into measurements of contention.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
