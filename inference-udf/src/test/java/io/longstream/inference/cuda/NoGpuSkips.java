package io.longstream.inference.cuda;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** Skips a jqwik property container where the GPU tests cannot run, with the reason (see {@link Gpu#assumeAvailable}). */
public final class NoGpuSkips implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        String reason = Gpu.unavailableReason();
        return reason == null ? SkipResult.doNotSkip() : SkipResult.skip("GPU tests skipped: " + reason);
    }
}
