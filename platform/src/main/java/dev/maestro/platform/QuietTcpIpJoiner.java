package dev.maestro.platform;

import com.hazelcast.cluster.Address;
import com.hazelcast.instance.EndpointQualifier;
import com.hazelcast.instance.impl.Node;
import com.hazelcast.internal.cluster.Joiner;
import com.hazelcast.internal.cluster.impl.SplitBrainJoinMessage;
import com.hazelcast.internal.cluster.impl.SplitBrainJoinMessage.SplitBrainMergeCheckResult;
import com.hazelcast.internal.cluster.impl.TcpIpJoiner;
import com.hazelcast.internal.nio.ConnectionListener;
import com.hazelcast.internal.server.ServerConnection;
import com.hazelcast.internal.server.ServerConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hazelcast 5.3's TCP/IP joiner with a split-brain search that does not wait on addresses nobody answers at
 * (issue 14: idle CPU of {@code up --single}).
 * <p>Why: every 2 s ({@code hazelcast.merge.next.run.delay.seconds}, {@link ClusterSetup}) the master looks for
 * another cluster at each address of the member list (a host without a port: the port and the next two) that is
 * not a member. Hazelcast's search ({@code AbstractJoiner.sendSplitBrainJoinMessage}) starts a connection to such
 * an address and then sleeps 10 ms at a time until the connection exists, for up to 5 s per address, one address
 * after the other. A lone member (up --single with the default {@code MAESTRO_CLUSTER_MEMBERS=127.0.0.1}: two
 * other ports, nobody listening) therefore never stopped searching: 82 sleeps a second on one
 * {@code hz.cached} thread, 3.5 of the 7.3 ms of CPU per second of an idle single process (JFR
 * {@code jdk.ThreadSleep}, README "Performance"). A five-process master whose list names more addresses than
 * members (the benchmark's) did the same.
 * <p>What changes: an address the member already has a connection to is asked exactly as Hazelcast asks it
 * (the same merge validation, the same decision, the same merge). One without a connection is not waited for:
 * a connection to it is started in the background (Hazelcast's own connection manager, one connect attempt;
 * refused at once when nobody listens), and as soon as a connection to such an address exists, whichever side
 * opened it, the search runs at once ({@link #install}'s connection listener, through Hazelcast's own
 * split-brain handler and its conditions: joined, master, no join in progress, joins allowed), else at the
 * next round. So a healed partition still merges within about the connect time, other nodes join a lone member
 * as before (joining is the newcomer's joiner), and an address that does not answer costs one refused connect
 * per round instead of 500 wake-ups.
 * <p>Installed in place of Hazelcast's joiner after the member has joined (the joiner is made in Hazelcast's
 * {@code Node} constructor, with no configuration hook; vertx-hazelcast builds the instance), so joining,
 * the rejoin of a merge and everything else is {@link TcpIpJoiner}'s own. If it cannot be installed (another
 * Hazelcast version) the member keeps Hazelcast's joiner: it works, it only wakes more often.
 */
final class QuietTcpIpJoiner extends TcpIpJoiner {
  private static final Logger LOG = LoggerFactory.getLogger(QuietTcpIpJoiner.class);

  /** Hazelcast's executor of the split-brain handler (ClusterServiceImpl.SPLIT_BRAIN_HANDLER_EXECUTOR_NAME). */
  private static final String SPLIT_BRAIN_EXECUTOR = "hz:cluster:splitbrain";

  /** Searches from Hazelcast's periodic handler and from the connection listener do not overlap. */
  private final AtomicBoolean searching = new AtomicBoolean();

  QuietTcpIpJoiner(Node node) {
    super(node);
  }

  /**
   * Puts a {@link QuietTcpIpJoiner} in place of node's TCP/IP joiner (once: a later call finds it there) and
   * listens for connections to addresses that are not members. Returns whether node now has one.
   */
  static boolean install(Node node) {
    Joiner current = node.getJoiner();
    if (current instanceof QuietTcpIpJoiner) return true;
    if (current == null || current.getClass() != TcpIpJoiner.class) return false;
    try {
      Runnable splitBrainHandler = splitBrainHandler(node);
      QuietTcpIpJoiner quiet = new QuietTcpIpJoiner(node);
      Field joiner = Node.class.getDeclaredField("joiner");
      joiner.setAccessible(true);
      joiner.set(node, quiet);
      ServerConnectionManager connections = node.getServer().getConnectionManager(EndpointQualifier.MEMBER);
      connections.addConnectionListener(new ConnectionListener<>() {
        @Override
        public void connectionAdded(ServerConnection connection) {
          Address remote = connection.getRemoteAddress();
          if (remote == null) return;
          // a connection to an address of the list that is not a member: another cluster may be there (a
          // partition healed, a member started apart); search now rather than at the next round. Through
          // Hazelcast's handler: it searches only on a joined master with no join in progress. Off the
          // calling (I/O) thread: the member list may name hosts to resolve
          node.getNodeEngine().getExecutionService().execute(SPLIT_BRAIN_EXECUTOR, () -> {
            if (quiet.candidates().contains(remote)) splitBrainHandler.run();
          });
        }

        @Override
        public void connectionRemoved(ServerConnection connection) {
        }
      });
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.info("could not install the quiet split-brain search ({}); the member keeps Hazelcast's", e.toString());
      return false;
    }
  }

  /** A Hazelcast SplitBrainHandler of node (package-private in Hazelcast): the conditions of a search, then the search. */
  private static Runnable splitBrainHandler(Node node) throws ReflectiveOperationException {
    Class<?> type = Class.forName("com.hazelcast.internal.cluster.impl.SplitBrainHandler", true, TcpIpJoiner.class.getClassLoader());
    Constructor<?> constructor = type.getDeclaredConstructor(Node.class);
    constructor.setAccessible(true);
    return (Runnable) constructor.newInstance(node);
  }

  /** The addresses of the member list that are neither this member nor a member of its cluster. */
  Collection<Address> candidates() {
    Collection<Address> candidates = getPossibleAddresses();
    candidates.remove(node.getThisAddress());
    candidates.removeAll(node.getClusterService().getMemberAddresses());
    return candidates;
  }

  /**
   * {@link TcpIpJoiner#searchForOtherClusters()} over the candidates with a connection; a connection to each
   * other candidate is started, and is asked when it exists (see the class comment).
   */
  @Override
  public void searchForOtherClusters() {
    if (!searching.compareAndSet(false, true)) return;
    try {
      Collection<Address> candidates;
      try {
        candidates = candidates();
      } catch (RuntimeException e) {
        logger.severe(e);
        return;
      }
      if (candidates.isEmpty()) return;
      ServerConnectionManager connections = node.getServer().getConnectionManager(EndpointQualifier.MEMBER);
      List<Address> connected = new ArrayList<>();
      for (Address address : candidates) {
        // getOrConnect returns the connection, or starts one (silently: nobody there is the usual case)
        if (connections.getOrConnect(address, true) != null) connected.add(address);
      }
      if (connected.isEmpty()) return;
      SplitBrainJoinMessage request = node.createSplitBrainJoinMessage();
      for (Address address : connected) {
        SplitBrainMergeCheckResult result = sendSplitBrainJoinMessageAndCheckResponse(address, request);
        if (result == SplitBrainMergeCheckResult.LOCAL_NODE_SHOULD_MERGE) {
          logger.warning(node.getThisAddress() + " is merging [tcp/ip] to " + address);
          setTargetAddress(address);
          startClusterMerge(address, request.getMemberListVersion());
          return;
        }
      }
    } finally {
      searching.set(false);
    }
  }
}
