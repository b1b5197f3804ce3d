package io.emostream.models;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;

/** A bounded pool of DJL predictors (a predictor is not thread-safe); created lazily, closed with the pool. */
final class PredictorPool<I, O> implements AutoCloseable {

    private final Supplier<Predictor<I, O>> factory;
    private final BlockingQueue<Predictor<I, O>> idle;
    private final List<Predictor<I, O>> all = new ArrayList<>();
    private final int max;
    private volatile boolean closed;

    PredictorPool(Supplier<Predictor<I, O>> factory, int max) {
        this.factory = factory;
        this.max = max;
        this.idle = new ArrayBlockingQueue<>(max);
    }

    O predict(I input) {
        Predictor<I, O> p = borrow();
        try {
            return p.predict(input);
        } catch (TranslateException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException("inference failed: " + e.getMessage(), e);
        } finally {
            idle.offer(p);
        }
    }

    private Predictor<I, O> borrow() {
        if (closed) {
            throw new IllegalStateException("model is closed");
        }
        Predictor<I, O> p = idle.poll();
        if (p != null) {
            return p;
        }
        synchronized (all) {
            if (all.size() < max) {
                Predictor<I, O> created = factory.get();
                all.add(created);
                return created;
            }
        }
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a predictor", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (all) {
            all.forEach(Predictor::close);
            all.clear();
        }
    }
}
