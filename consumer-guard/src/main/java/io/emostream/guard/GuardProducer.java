package io.emostream.guard;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.Map;

/**
 * The consumer guard of every service, as a CDI bean (this jar has a {@code META-INF/beans.xml}, so Quarkus
 * discovers it): settings from {@code emostream.guard.*}, the attempts topic through the service's {@code kafka.*}
 * client settings, and the service's name from {@code quarkus.application.name} — the one place it is set, which
 * every dead letter the service writes carries (through {@link PoisonGuard#service()}).
 */
@ApplicationScoped
public class GuardProducer {

    /** The setting that names the service. */
    public static final String SERVICE_NAME = "quarkus.application.name";

    @Produces
    @Singleton
    PoisonGuard guard(@Identifier("default-kafka-broker") Map<String, Object> kafka, MeterRegistry registry) {
        Config config = ConfigProvider.getConfig();
        return PoisonGuard.create(
                GuardSettings.from(config), kafka, config.getValue(SERVICE_NAME, String.class), registry);
    }

    void close(@Disposes PoisonGuard guard) {
        guard.close();
    }
}
