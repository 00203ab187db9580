// Integration tests start real processes and change their environment: run them one at a time.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
