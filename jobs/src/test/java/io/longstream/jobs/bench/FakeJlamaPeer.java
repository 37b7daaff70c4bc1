package io.longstream.jobs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Speaks the Jlama peer's protocol without Jlama, for {@link JlamaPeerTest}: args are the contexts it announces; each
 * token "takes" 0.1 s. With a second argument "exit-early" it stops after its prefill line.
 */
public final class FakeJlamaPeer {
    public static void main(String[] args) throws IOException {
        System.out.println("a log line that is not JSON");
        System.out.println("{\"threads\":2,\"prefill\":[{\"tokens\":512,\"seconds\":4.0,\"tokens_per_s\":128.0}]}");
        System.out.flush();
        if (args.length > 1 && args[1].equals("exit-early")) {
            System.exit(3);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String context : args[0].split(",")) {
            System.out.println("{\"context\":" + context + "}");
            System.out.flush();
            for (String line; (line = in.readLine()) != null && !line.equals("end"); ) {
                int tokens = Integer.parseInt(line.substring("decode ".length()));
                System.out.println("{\"seconds\":" + tokens * 0.1 + "}");
                System.out.flush();
            }
        }
    }
}
