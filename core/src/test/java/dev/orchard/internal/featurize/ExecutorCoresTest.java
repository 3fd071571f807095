package dev.orchard.internal.featurize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class ExecutorCoresTest {

    private static int cores(String master, String executorCores) {
        SparkConf conf = new SparkConf(false).set("spark.master", master);
        if (executorCores != null) {
            conf.set("spark.executor.cores", executorCores);
        }
        return ExecutorCores.of(conf, 16);
    }

    @Test
    void executorCoresComeFromTheConfigurationNotTheMachine() {
        assertEquals(4, cores("yarn", "4"));
        assertEquals(1, cores("yarn", null), "YARN's default is 1 core per executor");
        assertEquals(1, cores("spark://127.0.0.1:7077", "1"));
        assertEquals(16, cores("spark://127.0.0.1:7077", null), "standalone: all of the worker's cores");
        assertEquals(2, cores("local[2]", null));
        assertEquals(3, cores("local[3, 4]", null));
        assertEquals(16, cores("local[*]", null));
        assertEquals(1, cores("local", null));
        assertEquals(2, cores("local-cluster[2, 2, 1024]", null));
    }
}
