package io.longstream.inference.cuda;

import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/** One allocation of device memory; callers hold the engine's monitor with its context current. */
final class DeviceArray implements AutoCloseable {
    private final CUdeviceptr ptr = new CUdeviceptr();
    private final long bytes;
    private boolean freed;

    DeviceArray(long bytes) {
        this.bytes = Math.max(bytes, 4);
        cuMemAlloc(ptr, this.bytes);
    }

    static DeviceArray of(float[] data) {
        DeviceArray a = new DeviceArray(4L * data.length);
        cuMemcpyHtoD(a.ptr, Pointer.to(data), 4L * data.length);
        return a;
    }

    static DeviceArray of(short[] data) {
        DeviceArray a = new DeviceArray(2L * data.length);
        cuMemcpyHtoD(a.ptr, Pointer.to(data), 2L * data.length);
        return a;
    }

    CUdeviceptr ptr() {
        return ptr;
    }

    /** The address {@code offset} bytes in. */
    CUdeviceptr at(long offset) {
        return ptr.withByteOffset(offset);
    }

    long bytes() {
        return bytes;
    }

    void upload(int[] data, int count) {
        cuMemcpyHtoD(ptr, Pointer.to(data), 4L * count);
    }

    void upload(long[] data, int count) {
        cuMemcpyHtoD(ptr, Pointer.to(data), 8L * count);
    }

    void download(float[] dst, long fromByte, int count) {
        cuMemcpyDtoH(Pointer.to(dst), ptr.withByteOffset(fromByte), 4L * count);
    }

    @Override
    public void close() {
        if (!freed) {
            freed = true;
            cuMemFree(ptr);
        }
    }
}
