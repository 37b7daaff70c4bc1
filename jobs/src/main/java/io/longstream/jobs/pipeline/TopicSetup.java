package io.longstream.jobs.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/** Creates the pipeline's topics that do not exist yet; existing ones are left as they are. */
public final class TopicSetup {
    private TopicSetup() {
    }

    /** @return the topics created */
    public static List<String> ensure(String bootstrap, Topics topics, int eventPartitions, short replication)
            throws ExecutionException, InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = new ArrayList<>();
            if (!existing.contains(topics.events)) {
                missing.add(new NewTopic(topics.events, eventPartitions, replication));
            }
            for (String t : topics.outputs()) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, 1, replication));
                }
            }
            admin.createTopics(missing).all().get();
            List<String> names = new ArrayList<>();
            missing.forEach(t -> names.add(t.name()));
            return names;
        }
    }
}
