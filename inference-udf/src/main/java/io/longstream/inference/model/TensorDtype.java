package io.longstream.inference.model;

/** The element types of safetensors files the runtime reads. */
public enum TensorDtype {
    F32(4),
    BF16(2),
    F16(2);

    private final int bytes;

    TensorDtype(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    static TensorDtype fromHeader(String code) {
        for (TensorDtype d : values()) {
            if (d.name().equals(code)) {
                return d;
            }
        }
        return null;
    }
}
