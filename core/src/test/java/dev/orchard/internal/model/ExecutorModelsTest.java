package dev.orchard.internal.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.orchard.testing.SparkTestSupport;
import dev.orchard.testing.Tolerances;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

class ExecutorModelsTest {

    @Test
    void oneLoadPerJvmSharedByAllPartitions() {
        JavaSparkContext sc = SparkTestSupport.sc();
        ModelPackage pkg = ModelPackage.fromDirectory(SampleModelFixture.sampleModel(), ModelOverrides.none());
        ModelSpec spec = pkg.spec();
        Broadcast<ModelPackage> model = sc.broadcast(pkg);
        int loadsBefore = ExecutorModels.loadCount();

        List<Integer> seeds = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            seeds.add(i);
        }
        List<Tuple2<Integer, float[]>> out = sc.parallelize(seeds, 4).mapPartitions(it -> {
            LoadedModel m = ExecutorModels.get(model);
            List<Tuple2<Integer, float[]>> rows = new ArrayList<>();
            while (it.hasNext()) {
                int seed = it.next();
                rows.add(new Tuple2<>(seed, m.run(SampleModelFixture.images(seed, 1, m.spec()), 1)[0]));
            }
            return rows.iterator();
        }).collect();

        assertEquals(1, ExecutorModels.loadCount() - loadsBefore, "model loads in this JVM");
        assertEquals(16, out.size(), "every partition produced its rows");
        assertSame(ExecutorModels.get(model), ExecutorModels.get(model));
        assertEquals(1, ExecutorModels.loadCount() - loadsBefore);

        // The distributed results equal a local, single-process run.
        try (LoadedModel local = ExecutorModels.load(pkg, 1)) {
            for (Tuple2<Integer, float[]> row : out) {
                float[] expected = local.run(SampleModelFixture.images(row._1(), 1, spec), 1)[0];
                assertArrayEquals(expected, row._2(), (float) Tolerances.F32, "seed " + row._1());
            }
        }
        ExecutorModels.evict(model);
        model.destroy();
    }
}
