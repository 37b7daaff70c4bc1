package io.longstream.inference.cuda;

import java.util.HashMap;
import java.util.Map;
import jcuda.driver.CUdeviceptr;

/** A pass's activation buffers on the device, kept between passes and grown when a pass needs more. */
final class Workspace implements AutoCloseable {
    private final Map<String, DeviceArray> buffers = new HashMap<>();

    /** Buffer {@code name} with at least {@code bytes} bytes (contents undefined). */
    CUdeviceptr get(String name, long bytes) {
        DeviceArray a = buffers.get(name);
        if (a == null || a.bytes() < bytes) {
            if (a != null) {
                a.close();
            }
            // a little headroom, so a growing batch does not reallocate every pass
            a = new DeviceArray(Math.max(bytes, bytes + bytes / 4));
            buffers.put(name, a);
        }
        return a.ptr();
    }

    @Override
    public void close() {
        buffers.values().forEach(DeviceArray::close);
        buffers.clear();
    }
}
