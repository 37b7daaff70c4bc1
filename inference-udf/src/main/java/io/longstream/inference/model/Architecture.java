package io.longstream.inference.model;

/** The decoder-only families the runtime implements; they differ only in biases and attention windows. */
public enum Architecture {
    LLAMA("LlamaForCausalLM", "llama"),
    MISTRAL("MistralForCausalLM", "mistral"),
    QWEN2("Qwen2ForCausalLM", "qwen2");

    private final String className;
    private final String modelType;

    Architecture(String className, String modelType) {
        this.className = className;
        this.modelType = modelType;
    }

    public String modelType() {
        return modelType;
    }

    static Architecture of(String architecturesEntry, String modelType) {
        for (Architecture a : values()) {
            if (a.className.equals(architecturesEntry) || (architecturesEntry == null && a.modelType.equals(modelType))) {
                return a;
            }
        }
        throw new ModelFormatException("unsupported architecture '" + (architecturesEntry != null ? architecturesEntry : modelType)
                + "' (config.json 'architectures'/'model_type'); supported: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM");
    }
}
