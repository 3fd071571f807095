package dev.orchard.job;

import dev.orchard.Orchard;
import dev.orchard.model.ModelException;
import dev.orchard.storage.StorageException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code orchard <command> [flags]}: the command line and the spark-submit main class.
 *
 * <p>Exit codes: 0 done, 1 the run failed (storage, model, data), 2 bad flags. Every failure is one
 * line on standard error that says what is wrong and how to fix it ({@code --verbose} adds the stack
 * trace).
 */
@Command(name = "orchard",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Turns images into compact, model-ready features on Spark: "
                + "TensorFlow featurization, distributed PCA, Parquet/CSV output.",
        subcommands = {
            Commands.Run.class,
            Commands.Featurize.class,
            Commands.PcaCmd.class,
            Commands.InspectModel.class,
            Commands.MakeModel.class,
            CommandLine.HelpCommand.class
        })
public final class Main {

    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;

    /** The version {@code --version} prints. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"orchard " + Orchard.VERSION};
        }
    }

    public static void main(String[] args) {
        int code = execute(args);
        // spark-submit's cluster mode reads failure from the exit status of the driver.
        System.exit(code);
    }

    /** Runs a command line and returns its exit code (tests call this; it never calls System.exit). */
    public static int execute(String... args) {
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("spark.master") == null) {
            System.setProperty("log4j2.configurationFile", "orchard-log4j2.properties");
        }
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(Main::onFailure);
        cli.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("orchard: " + ex.getMessage());
            err.println("Run 'orchard " + ex.getCommandLine().getCommandName() + " --help' for the flags.");
            err.flush();
            return EXIT_USAGE;
        });
        return cli.execute(args);
    }

    private static int onFailure(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = parsed.hasMatchedOption("--verbose");
        if (ex instanceof UsageException || ex instanceof IllegalArgumentException) {
            err.println("orchard: " + ex.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        if (ex instanceof StorageException || ex instanceof ModelException) {
            err.println("orchard: " + ex.getMessage());
        } else {
            Throwable root = ex;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            err.println("orchard: " + cmd.getCommandName() + " failed: " + oneLine(root)
                    + (verbose ? "" : " (run with --verbose for details)"));
        }
        if (verbose) {
            ex.printStackTrace(err);
        }
        err.flush();
        return EXIT_FAILED;
    }

    private static String oneLine(Throwable t) {
        String m = t.getMessage();
        String s = (m == null || m.isBlank()) ? t.getClass().getSimpleName() : m;
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
