package io.runnel.codec;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A compact binary codec derived from a Java record's components, in declaration order.
 *
 * <p>Supported component types: all primitives, their boxed types, {@link String}, enums, {@link
 * Instant}, {@code byte[]}, nested records and {@link List}s of any supported type (including lists
 * of lists). Anything else is rejected when the codec is created, naming the component. {@code
 * null} is allowed wherever the Java type allows it.
 *
 * <p>The {@linkplain #schema() schema} is a text like {@code com.acme.Reading(sensor:String,
 * celsius:double,at:Instant)}: type names, component names and types, and enum constants in order.
 * The {@linkplain #id() id} is a 64-bit fingerprint of it (SHA-256 prefix), stored in every entry;
 * so a value written before the record changed (a component added, removed, renamed, retyped or
 * reordered; enum constants changed) is not misread but fails with a {@link
 * SchemaMismatchException} naming both schemas.
 *
 * <p>Encoding: {@code int}, {@code long}, {@code short} as zig-zag varints; {@code float}, {@code
 * double} as IEEE bits (4/8 bytes); {@code char} 2 bytes; {@code boolean}, {@code byte} 1 byte;
 * nullable values are prefixed by 0 (null) / 1, except String, byte[], enum and List, which encode
 * {@code length+1} (or {@code ordinal+1}) with 0 for null; String as UTF-8; Instant as varint
 * seconds and nanos. Codecs are cached per type; thread-safe.
 */
public final class RecordCodec<T extends Record> implements Codec<T> {

  private static final ConcurrentHashMap<Class<?>, RecordCodec<?>> CACHE =
      new ConcurrentHashMap<>();

  private final Class<T> type;
  private final RecordNode root;
  private final String schema;
  private final long id;

  private RecordCodec(Class<T> type) {
    this.type = type;
    this.root = new RecordNode(type, new HashSet<>());
    this.schema = root.describe();
    this.id = Fingerprint.of("record:" + schema);
  }

  /**
   * The codec for a record type.
   *
   * @throws IllegalArgumentException if a component has an unsupported type (the message names it)
   */
  @SuppressWarnings("unchecked")
  public static <T extends Record> RecordCodec<T> of(Class<T> type) {
    RecordCodec<?> c = CACHE.get(type);
    if (c == null) {
      c = new RecordCodec<>(type);
      CACHE.putIfAbsent(type, c);
    }
    return (RecordCodec<T>) c;
  }

  @Override
  public long id() {
    return id;
  }

  @Override
  public String schema() {
    return schema;
  }

  @Override
  public byte[] encode(T value) {
    if (value == null) {
      throw new CodecException("cannot encode null as " + type.getName());
    }
    Out o = new Out();
    root.writeFields(value, o);
    return o.toArray();
  }

  /**
   * An upper-bound estimate of the encoded size, without encoding: every varint at its largest
   * (computed once per record type for components of fixed size, so a record of numbers, enums and
   * instants costs nothing per value), exact length prefixes, {@code byte[]} exact, and a {@code
   * String} as one byte per {@code char} (exact for ASCII; UTF-8 may take up to 3 bytes per {@code
   * char}). Reads only the components of variable size. {@code null} gives 0.
   */
  @Override
  public long sizeHint(T value) {
    return value == null ? 0 : root.sizeOfFields(value);
  }

  @Override
  public T decode(byte[] bytes) {
    WireReader in = new WireReader(bytes, type.getName());
    Object v = root.readFields(in);
    if (in.position() != bytes.length) {
      throw new CodecException(
          "cannot decode "
              + type.getName()
              + ": "
              + (bytes.length - in.position())
              + " bytes left over after the value (written by another schema?)");
    }
    return type.cast(v);
  }

  @Override
  public String toString() {
    return "RecordCodec[" + schema + "]";
  }

  // ------------------------------------------------------------------------------------ nodes

  private interface Node {
    void write(Object v, Out o);

    Object read(WireReader in);

    String describe();

    /** The most bytes any value takes, or -1 if that depends on the value. */
    int fixedSize();

    /** An upper-bound estimate of {@code v}'s bytes (see {@link RecordCodec#sizeHint}). */
    long size(Object v);
  }

  /** Bytes of {@code v} as a zig-zag varint ({@link Out#varLong}). */
  static int varLongSize(long v) {
    long z = (v << 1) ^ (v >> 63);
    return z == 0 ? 1 : (64 - Long.numberOfLeadingZeros(z) + 6) / 7;
  }

  /** Bytes of a length prefix (length + 1, or 0 for null) and the body of {@code n} bytes. */
  private static long counted(long n) {
    return varLongSize(n + 1) + n;
  }

  private static Node node(Type t, String where, Set<Class<?>> visiting) {
    if (t instanceof Class<?> c) {
      if (c == int.class) {
        return prim("int", 5, (v, o) -> o.varLong((Integer) v), in -> (int) in.varLong());
      }
      if (c == long.class) {
        return prim("long", 10, (v, o) -> o.varLong((Long) v), WireReader::varLong);
      }
      if (c == short.class) {
        return prim("short", 3, (v, o) -> o.varLong((Short) v), in -> (short) in.varLong());
      }
      if (c == byte.class) {
        return prim("byte", 1, (v, o) -> o.b((Byte) v), in -> (byte) in.u8());
      }
      if (c == boolean.class) {
        return prim("boolean", 1, (v, o) -> o.b(((Boolean) v) ? 1 : 0), in -> in.u8() != 0);
      }
      if (c == char.class) {
        return prim("char", 2, (v, o) -> o.fixed((Character) v, 2), in -> (char) in.fixed(2));
      }
      if (c == float.class) {
        return prim(
            "float",
            4,
            (v, o) -> o.fixed(Float.floatToRawIntBits((Float) v), 4),
            in -> Float.intBitsToFloat((int) in.fixed(4)));
      }
      if (c == double.class) {
        return prim(
            "double",
            8,
            (v, o) -> o.fixed(Double.doubleToRawLongBits((Double) v), 8),
            in -> Double.longBitsToDouble(in.fixed(8)));
      }
      if (c == Integer.class) {
        return nullable(node(int.class, where, visiting), "Integer");
      }
      if (c == Long.class) {
        return nullable(node(long.class, where, visiting), "Long");
      }
      if (c == Short.class) {
        return nullable(node(short.class, where, visiting), "Short");
      }
      if (c == Byte.class) {
        return nullable(node(byte.class, where, visiting), "Byte");
      }
      if (c == Boolean.class) {
        return nullable(node(boolean.class, where, visiting), "Boolean");
      }
      if (c == Character.class) {
        return nullable(node(char.class, where, visiting), "Character");
      }
      if (c == Float.class) {
        return nullable(node(float.class, where, visiting), "Float");
      }
      if (c == Double.class) {
        return nullable(node(double.class, where, visiting), "Double");
      }
      if (c == String.class) {
        return prim(
            "String",
            v -> v == null ? 1 : counted(((String) v).length()),
            (v, o) -> {
              if (v == null) {
                o.varLong(0);
              } else {
                byte[] b = ((String) v).getBytes(StandardCharsets.UTF_8);
                o.varLong(b.length + 1L);
                o.bytes(b);
              }
            },
            in -> {
              int n = in.length();
              return n < 0 ? null : new String(in.bytes(n), StandardCharsets.UTF_8);
            });
      }
      if (c == byte[].class) {
        return prim(
            "bytes",
            v -> v == null ? 1 : counted(((byte[]) v).length),
            (v, o) -> {
              if (v == null) {
                o.varLong(0);
              } else {
                byte[] b = (byte[]) v;
                o.varLong(b.length + 1L);
                o.bytes(b);
              }
            },
            in -> {
              int n = in.length();
              return n < 0 ? null : in.bytes(n);
            });
      }
      if (c == Instant.class) {
        return nullable(
            prim(
                "Instant",
                10 + 5,
                (v, o) -> {
                  Instant i = (Instant) v;
                  o.varLong(i.getEpochSecond());
                  o.varLong(i.getNano());
                },
                in -> {
                  long s = in.varLong();
                  long n = in.varLong();
                  if (n < 0 || n > 999_999_999) {
                    throw in.error("Instant nanos out of range: " + n);
                  }
                  try {
                    return Instant.ofEpochSecond(s, n);
                  } catch (RuntimeException e) {
                    throw in.error("Instant out of range: " + s);
                  }
                }),
            "Instant");
      }
      if (c.isEnum()) {
        Object[] constants = c.getEnumConstants();
        String names =
            String.join(",", Arrays.stream(constants).map(e -> ((Enum<?>) e).name()).toList());
        return prim(
            "enum " + c.getName() + "[" + names + "]",
            varLongSize(constants.length),
            (v, o) -> o.varLong(v == null ? 0 : ((Enum<?>) v).ordinal() + 1L),
            in -> {
              int k = in.ordinal();
              if (k < 0) {
                return null;
              }
              if (k >= constants.length) {
                throw in.error("enum " + c.getName() + " has no ordinal " + k);
              }
              return constants[k];
            });
      }
      if (c.isRecord()) {
        return nullable(new RecordNode(c, visiting), null);
      }
    }
    if (t instanceof ParameterizedType p && p.getRawType() == List.class) {
      Node element = node(p.getActualTypeArguments()[0], where + "[]", visiting);
      int each = element.fixedSize();
      return prim(
          "List<" + element.describe() + ">",
          v -> {
            if (v == null) {
              return 1;
            }
            List<?> l = (List<?>) v;
            long n = varLongSize(l.size() + 1L);
            if (each >= 0) {
              return n + (long) each * l.size();
            }
            for (Object e : l) {
              n += element.size(e);
            }
            return n;
          },
          (v, o) -> {
            if (v == null) {
              o.varLong(0);
              return;
            }
            List<?> l = (List<?>) v;
            o.varLong(l.size() + 1L);
            for (Object e : l) {
              element.write(e, o);
            }
          },
          in -> {
            int n = in.length();
            if (n < 0) {
              return null;
            }
            List<Object> l = new ArrayList<>(Math.min(n, 1024));
            for (int i = 0; i < n; i++) {
              l.add(element.read(in));
            }
            return Collections.unmodifiableList(l);
          });
    }
    throw new IllegalArgumentException(
        "RecordCodec cannot encode "
            + where
            + " of type "
            + t.getTypeName()
            + "; supported are primitives, boxed types, String, enums, Instant, byte[], records"
            + " and List<supported>. Use a JsonCodec or a custom Codec for this record");
  }

  private interface Writer {
    void write(Object v, Out o);
  }

  private interface Reader {
    Object read(WireReader in);
  }

  private interface Sizer {
    long size(Object v);
  }

  /** A node whose values take at most {@code fixed} bytes each. */
  private static Node prim(String name, int fixed, Writer w, Reader r) {
    return prim(name, fixed, v -> fixed, w, r);
  }

  /** A node whose values' sizes depend on the value. */
  private static Node prim(String name, Sizer sizer, Writer w, Reader r) {
    return prim(name, -1, sizer, w, r);
  }

  private static Node prim(String name, int fixed, Sizer sizer, Writer w, Reader r) {
    return new Node() {
      @Override
      public void write(Object v, Out o) {
        w.write(v, o);
      }

      @Override
      public Object read(WireReader in) {
        return r.read(in);
      }

      @Override
      public String describe() {
        return name;
      }

      @Override
      public int fixedSize() {
        return fixed;
      }

      @Override
      public long size(Object v) {
        return sizer.size(v);
      }
    };
  }

  private static Node nullable(Node inner, String name) {
    return new Node() {
      @Override
      public void write(Object v, Out o) {
        if (v == null) {
          o.b(0);
        } else {
          o.b(1);
          inner.write(v, o);
        }
      }

      @Override
      public Object read(WireReader in) {
        int flag = in.u8();
        if (flag == 0) {
          return null;
        }
        if (flag != 1) {
          throw in.error("bad presence byte " + flag);
        }
        return inner.read(in);
      }

      @Override
      public String describe() {
        return name == null ? inner.describe() : name;
      }

      @Override
      public int fixedSize() {
        int f = inner.fixedSize();
        return f < 0 ? -1 : 1 + f;
      }

      @Override
      public long size(Object v) {
        return v == null ? 1 : 1 + inner.size(v);
      }
    };
  }

  private static final class RecordNode implements Node {
    private final Class<?> type;
    private final Node[] fields;
    private final MethodHandle[] accessors;
    private final MethodHandle constructor;
    private final String description;

    /** The most bytes the components of fixed size take together. */
    private final int fixedPart;

    /** The components whose size depends on the value (read by {@link #sizeOfFields}). */
    private final int[] variable;

    RecordNode(Class<?> type, Set<Class<?>> visiting) {
      if (!visiting.add(type)) {
        throw new IllegalArgumentException(
            "RecordCodec cannot encode the recursive record type " + type.getName());
      }
      this.type = type;
      RecordComponent[] comps = type.getRecordComponents();
      fields = new Node[comps.length];
      accessors = new MethodHandle[comps.length];
      Class<?>[] ctorTypes = new Class<?>[comps.length];
      StringBuilder d = new StringBuilder(type.getName()).append('(');
      try {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        for (int i = 0; i < comps.length; i++) {
          RecordComponent rc = comps[i];
          fields[i] =
              node(rc.getGenericType(), type.getSimpleName() + "." + rc.getName(), visiting);
          rc.getAccessor().setAccessible(true);
          accessors[i] = lookup.unreflect(rc.getAccessor());
          ctorTypes[i] = rc.getType();
          d.append(i == 0 ? "" : ",").append(rc.getName()).append(':').append(fields[i].describe());
        }
        var ctor = type.getDeclaredConstructor(ctorTypes);
        ctor.setAccessible(true);
        constructor =
            lookup
                .unreflectConstructor(ctor)
                .asType(MethodType.methodType(Object.class, ctorTypes).generic())
                .asSpreader(Object[].class, comps.length);
      } catch (ReflectiveOperationException | RuntimeException e) {
        if (e instanceof IllegalArgumentException iae) {
          throw iae;
        }
        throw new IllegalArgumentException(
            "RecordCodec cannot access record " + type.getName() + ": " + e, e);
      }
      visiting.remove(type);
      description = d.append(')').toString();
      int fixed = 0;
      int[] vars = new int[fields.length];
      int nv = 0;
      for (int i = 0; i < fields.length; i++) {
        int f = fields[i].fixedSize();
        if (f < 0) {
          vars[nv++] = i;
        } else {
          fixed += f;
        }
      }
      fixedPart = fixed;
      variable = Arrays.copyOf(vars, nv);
    }

    @Override
    public int fixedSize() {
      return variable.length == 0 ? fixedPart : -1;
    }

    @Override
    public long size(Object v) {
      return sizeOfFields(v);
    }

    long sizeOfFields(Object v) {
      long n = fixedPart;
      for (int i : variable) {
        Object f;
        try {
          f = accessors[i].invoke(v);
        } catch (Throwable t) {
          throw new CodecException("cannot read a component of " + type.getName() + ": " + t, t);
        }
        n += fields[i].size(f);
      }
      return n;
    }

    @Override
    public void write(Object v, Out o) {
      writeFields(v, o);
    }

    @Override
    public Object read(WireReader in) {
      return readFields(in);
    }

    void writeFields(Object v, Out o) {
      for (int i = 0; i < fields.length; i++) {
        Object f;
        try {
          f = accessors[i].invoke(v);
        } catch (Throwable t) {
          throw new CodecException("cannot read a component of " + type.getName() + ": " + t, t);
        }
        fields[i].write(f, o);
      }
    }

    Object readFields(WireReader in) {
      Object[] args = new Object[fields.length];
      for (int i = 0; i < fields.length; i++) {
        args[i] = fields[i].read(in);
      }
      try {
        return constructor.invoke(args);
      } catch (Throwable t) {
        throw new CodecException(
            "cannot construct " + type.getName() + " from decoded components: " + t, t);
      }
    }

    @Override
    public String describe() {
      return description;
    }
  }

  // ------------------------------------------------------------------------------------ bytes

  private static final class Out {
    private byte[] buf = new byte[64];
    private int n;

    void b(int v) {
      ensure(1);
      buf[n++] = (byte) v;
    }

    void bytes(byte[] b) {
      ensure(b.length);
      System.arraycopy(b, 0, buf, n, b.length);
      n += b.length;
    }

    void fixed(long v, int width) {
      ensure(width);
      for (int i = width - 1; i >= 0; i--) {
        buf[n++] = (byte) (v >>> (8 * i));
      }
    }

    void varLong(long v) {
      long z = (v << 1) ^ (v >> 63);
      ensure(10);
      while ((z & ~0x7FL) != 0) {
        buf[n++] = (byte) ((z & 0x7F) | 0x80);
        z >>>= 7;
      }
      buf[n++] = (byte) z;
    }

    private void ensure(int more) {
      if (n + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
      }
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, n);
    }
  }
}
