package io.emostream.inference.messaging;

import io.emostream.guard.GuardSettings;
import io.emostream.guard.PoisonGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.ConfigProvider;

import java.util.Map;

/** The service's consumer guard ({@code emostream.guard.*}, see consumer-guard's README). */
@ApplicationScoped
public class GuardProducer {

    @Produces
    @Singleton
    PoisonGuard guard(@Identifier("default-kafka-broker") Map<String, Object> kafka, MeterRegistry registry) {
        return PoisonGuard.create(GuardSettings.from(ConfigProvider.getConfig()), kafka, ScoringWorker.SERVICE,
                registry);
    }

    void close(@Disposes PoisonGuard guard) {
        guard.close();
    }
}
