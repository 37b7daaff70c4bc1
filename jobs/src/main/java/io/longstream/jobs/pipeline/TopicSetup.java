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

    /**
     * @return the topics created
     * @throws IllegalStateException naming the topics and the broker's reason when they cannot be listed or created
     */
    public static List<String> ensure(String bootstrap, Topics topics, int eventPartitions, short replication)
            throws InterruptedException {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing;
            try {
                existing = admin.listTopics().names().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("cannot list the topics at " + bootstrap + ": " + e.getCause().getMessage(), e.getCause());
            }
            List<NewTopic> missing = new ArrayList<>();
            if (!existing.contains(topics.events)) {
                missing.add(new NewTopic(topics.events, eventPartitions, replication));
            }
            for (String t : topics.outputs()) {
                if (!existing.contains(t)) {
                    missing.add(new NewTopic(t, 1, replication));
                }
            }
            List<String> names = new ArrayList<>();
            missing.forEach(t -> names.add(t.name()));
            try {
                admin.createTopics(missing).all().get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("topics " + names + " are missing at " + bootstrap + " and could not be created: "
                        + e.getCause().getMessage(), e.getCause());
            }
            return names;
        }
    }
}
