package io.longstream.inference.model;

import java.nio.file.Path;
import java.util.Arrays;

/** Where one tensor lives: its file, byte range, element type and shape. */
public final class TensorInfo {
    private final String name;
    private final TensorDtype dtype;
    private final long[] shape;
    private final Path file;
    private final long dataStart;

    TensorInfo(String name, TensorDtype dtype, long[] shape, Path file, long dataStart) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape.clone();
        this.file = file;
        this.dataStart = dataStart;
    }

    public String name() {
        return name;
    }

    public TensorDtype dtype() {
        return dtype;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    Path file() {
        return file;
    }

    long dataStart() {
        return dataStart;
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
