/** The dashboard: a web page served by {@code runnel-remote}, its assets bundled in the jar. */
package io.runnel.dashboard;
