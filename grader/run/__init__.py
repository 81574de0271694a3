"""Running learner code: the parent side of the sandbox. executor.py declares the seam (Task in, TaskReply out,
the Executor base class and its start error); local.py runs tasks on this machine's sandboxed workers, forked by
the zygote that zygote_client.py starts; dask_client.py and dask_node.py run the same tasks on a dask cluster."""
