package io.emostream.fusion.streams;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;

/**
 * One memory budget for every RocksDB instance of the service: by default each store instance (6 tasks × the
 * pending store and each segment of the emitted store) would get its own block cache and memtables, so
 * off-heap memory would grow with the partitions owned. Here they share one cache, with memtables, index and
 * filter blocks charged to it (the pattern of the Kafka Streams memory-management guide).
 */
public class BoundedRocksDbConfig implements RocksDBConfigSetter {

    /** Off-heap bytes for all stores together: block cache, memtables, index and filter blocks. */
    static final long TOTAL_BYTES = 96L * 1024 * 1024;
    /** The part of it memtables may use. */
    static final long MEMTABLE_BYTES = 32L * 1024 * 1024;

    private static final Cache CACHE = new LRUCache(TOTAL_BYTES, -1, false, 0.1);
    private static final WriteBufferManager WRITE_BUFFERS = new WriteBufferManager(MEMTABLE_BYTES, CACHE);

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setMaxWriteBufferNumber(2);
        options.setWriteBufferSize(8L * 1024 * 1024);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and write-buffer manager are shared by every store: never closed per store
    }
}
