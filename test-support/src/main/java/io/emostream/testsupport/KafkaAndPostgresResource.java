package io.emostream.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/** Gives a {@code @QuarkusTest} the real test broker and the real test PostgreSQL ({@link RealInfra}). */
public class KafkaAndPostgresResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(new KafkaResource().start());
        config.put("quarkus.datasource.jdbc.url", RealInfra.jdbcUrl());
        config.put("quarkus.datasource.username", RealInfra.DB_USER);
        config.put("quarkus.datasource.password", RealInfra.DB_PASSWORD);
        config.put("quarkus.datasource.devservices.enabled", "false");
        return config;
    }

    @Override
    public void stop() {
        // shared by every test class of this JVM; stopped at JVM exit
    }
}
