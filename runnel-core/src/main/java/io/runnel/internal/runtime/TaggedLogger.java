package io.runnel.internal.runtime;

import java.text.MessageFormat;
import java.util.ResourceBundle;

/**
 * A {@link System.Logger} named {@code runnel.<record key>} that prefixes every message with the
 * task name, so log lines say which record and task they come from, and so that levels can be set
 * per record in whatever logging backend the application uses.
 */
final class TaggedLogger implements System.Logger {
  private final System.Logger delegate;
  private final String prefix;

  TaggedLogger(String keyId, String taskName) {
    this.delegate = System.getLogger("runnel." + keyId);
    this.prefix = "[" + taskName + "] ";
  }

  @Override
  public String getName() {
    return delegate.getName();
  }

  @Override
  public boolean isLoggable(Level level) {
    return delegate.isLoggable(level);
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    if (delegate.isLoggable(level)) {
      delegate.log(level, bundle, prefix + msg, thrown);
    }
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    if (!delegate.isLoggable(level)) {
      return;
    }
    String text = format;
    if (bundle != null && format != null && bundle.containsKey(format)) {
      text = bundle.getString(format);
    }
    if (params != null && params.length > 0 && text != null) {
      text = new MessageFormat(text).format(params);
    }
    delegate.log(level, (ResourceBundle) null, prefix + text, (Throwable) null);
  }
}
