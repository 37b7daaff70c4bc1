package io.longstream.inference.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenBufferTest {
    /** Random appends and takes, past several growths and front reuses, against a plain list. */
    @Test
    void appendsAndTakesAsAListWould() {
        Random random = new Random(17);
        TokenBuffer buffer = new TokenBuffer();
        List<Integer> expected = new ArrayList<>();
        for (int step = 0; step < 2_000; step++) {
            if (random.nextInt(3) > 0) {
                int[] tokens = random.ints(random.nextInt(300), 0, 5).toArray();
                buffer.append(tokens);
                for (int t : tokens) {
                    expected.add(t);
                }
            } else {
                int count = random.nextInt(expected.size() + 1);
                int[] taken = buffer.take(count);
                List<Integer> head = expected.subList(0, count);
                assertArrayEquals(head.stream().mapToInt(Integer::intValue).toArray(), taken);
                head.clear();
            }
            assertEquals(expected.size(), buffer.length());
            if (!expected.isEmpty()) {
                int i = random.nextInt(expected.size());
                assertEquals(expected.get(i), buffer.get(i));
            }
        }
    }

    @Test
    void findsTheLastOccurrenceFromTheFront() {
        TokenBuffer buffer = new TokenBuffer();
        buffer.append(new int[] {9, 1, 2, 3, 1, 2, 3, 4});
        buffer.take(1);
        assertEquals(3, buffer.lastIndexOf(new int[] {1, 2, 3}));
        assertEquals(6, buffer.lastIndexOf(new int[] {4}));
        assertEquals(-1, buffer.lastIndexOf(new int[] {9}));
        assertEquals(-1, buffer.lastIndexOf(new int[] {3, 4, 5}));
    }

    @Test
    void refusesToTakeOrReadPastItsEnd() {
        TokenBuffer buffer = new TokenBuffer();
        buffer.append(new int[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> buffer.take(3));
        assertThrows(IndexOutOfBoundsException.class, () -> buffer.get(2));
    }
}
