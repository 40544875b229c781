package io.runnel.examples;

import io.runnel.Runnel;
import picocli.CommandLine.IVersionProvider;

/** What {@code -V} prints for every example: Runnel's version and the JVM it runs on. */
final class Version implements IVersionProvider {

  @Override
  public String[] getVersion() {
    String v = Runnel.class.getPackage().getImplementationVersion();
    return new String[] {
      "runnel " + (v == null ? "development (classes, not a jar)" : v),
      "JVM " + System.getProperty("java.vm.name") + " " + Runtime.version()
    };
  }
}
