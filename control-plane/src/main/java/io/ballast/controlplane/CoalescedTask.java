package io.ballast.controlplane;

import java.util.concurrent.Executor;

/**
 * A task that runs once on the state thread for any number of {@link #request}s made before it
 * starts: requests that pile up while the thread is busy (a storm of cache events, the ACKs of one
 * push) are answered by one run, and a lone request runs next in the queue.
 *
 * <p>Threading: {@link #request} only on the thread {@code loop} runs its tasks on (the flag is
 * not synchronised). Nothing fails here; the task's own exceptions are the loop's to handle.
 */
final class CoalescedTask {

    private final Executor loop;
    private final Runnable task;
    private boolean pending;

    CoalescedTask(Executor loop, Runnable task) {
        this.loop = loop;
        this.task = task;
    }

    void request() {
        if (pending) {
            return;
        }
        pending = true;
        loop.execute(() -> {
            pending = false;
            task.run();
        });
    }
}
