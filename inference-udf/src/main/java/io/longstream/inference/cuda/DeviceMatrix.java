package io.longstream.inference.cuda;

import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;

import io.longstream.inference.model.Safetensors;
import io.longstream.inference.model.TensorDtype;
import io.longstream.inference.model.TensorInfo;
import jcuda.Pointer;

/** A [rows][cols] weight matrix on the device in its file dtype (f32, bf16 or f16), row-major. */
final class DeviceMatrix {
    /** Elements uploaded per copy, so loading never holds a whole large tensor on the heap. */
    private static final int BLOCK = 1 << 24;

    final int rows;
    final int cols;
    final TensorDtype dtype;
    final DeviceArray data;

    DeviceMatrix(Safetensors st, TensorInfo t) {
        this.rows = Math.toIntExact(t.shape()[0]);
        this.cols = Math.toIntExact(t.shape()[1]);
        this.dtype = t.dtype();
        long elements = (long) rows * cols;
        this.data = new DeviceArray(elements * dtype.bytes());
        for (long first = 0; first < elements; first += BLOCK) {
            int count = (int) Math.min(BLOCK, elements - first);
            if (dtype == TensorDtype.F32) {
                float[] block = new float[count];
                st.readFloats(t, first, count, block, 0);
                cuMemcpyHtoD(data.at(4 * first), Pointer.to(block), 4L * count);
            } else {
                short[] block = new short[count];
                st.read16(t, first, count, block, 0);
                cuMemcpyHtoD(data.at(2 * first), Pointer.to(block), 2L * count);
            }
        }
    }

    /** The kernel suffix of this dtype: matmul_bf16, embed_f32, ... */
    String suffix() {
        switch (dtype) {
            case BF16:
                return "bf16";
            case F16:
                return "f16";
            default:
                return "f32";
        }
    }

}
