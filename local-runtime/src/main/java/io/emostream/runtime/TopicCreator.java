package io.emostream.runtime;

import io.emostream.contracts.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Creates every platform topic ({@link Topics#ALL}) that does not exist yet; existing topics are left as they are. */
public final class TopicCreator {

    private TopicCreator() {}

    /** @return the names of the topics that were created now */
    public static List<String> createAll(String bootstrapServers, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            return createAll(admin, partitions);
        }
    }

    public static List<String> createAll(Admin admin, int partitions) throws Exception {
        var existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        List<NewTopic> missing = Topics.ALL.stream()
                .filter(t -> !existing.contains(t.name()))
                .map(t -> new NewTopic(t.name(), partitions, (short) 1).configs(t.config()))
                .toList();
        for (var entry : admin.createTopics(missing).values().entrySet()) {
            try {
                entry.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        return missing.stream().map(NewTopic::name).toList();
    }
}
