package io.longstream.inference.cuda;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Disables a JUnit test class, with the reason, where the GPU tests cannot run (see {@link Gpu#unavailableReason}). */
public final class RequiresGpu implements ExecutionCondition {
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        String reason = Gpu.unavailableReason();
        return reason == null ? ConditionEvaluationResult.enabled("a GPU is here")
                : ConditionEvaluationResult.disabled("GPU tests skipped: " + reason);
    }
}
