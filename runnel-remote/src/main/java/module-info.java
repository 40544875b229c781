/** The remote server: a running pipeline watched and driven from outside (docs/REMOTE.md). */
module io.runnel.remote {
  requires transitive io.runnel.core;

// exports io.runnel.remote; (added with its first class)
}
