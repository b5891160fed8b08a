<?php
/**
 * Test-side WordPress chores run with php-cli against the test site (WP-CLI is not in
 * Debian): `install`, `activate`, `comments` (JSON of every comment with its meta),
 * `option NAME` (JSON of an option).
 *
 * Usage: php wp_tool.php DOCROOT COMMAND [ARG]
 */

$docroot = $argv[1];
$command = $argv[2];

if ( 'install' === $command ) {
	define( 'WP_INSTALLING', true );
}
$_SERVER['HTTP_HOST']   = 'localhost';
$_SERVER['REQUEST_URI'] = '/';
require $docroot . '/wp-load.php';

switch ( $command ) {
	case 'install':
		require_once ABSPATH . 'wp-admin/includes/upgrade.php';
		wp_install( 'Hedgerow test blog', 'admin', 'admin@example.com', true, '', 'admin-password' );
		update_option( 'permalink_structure', '' );
		// Let first-time commenters through so that only the plugin's verdict holds a comment.
		update_option( 'comment_previously_approved', 0 );
		update_option( 'comment_moderation', 0 );
		// Avatars would come from Gravatar, out of reach of a machine without internet.
		update_option( 'show_avatars', 0 );
		echo 'installed';
		break;
	case 'activate':
		require_once ABSPATH . 'wp-admin/includes/plugin.php';
		$result = activate_plugin( 'hedgerow/hedgerow.php' );
		if ( is_wp_error( $result ) ) {
			fwrite( STDERR, $result->get_error_message() );
			exit( 1 );
		}
		echo 'activated';
		break;
	case 'comments':
		$rows = array();
		foreach ( array( 'all', 'spam', 'trash' ) as $status ) {
			$found = get_comments(
				array(
					'status'  => $status,
					'type'    => 'all',
					'orderby' => 'comment_ID',
					'order'   => 'ASC',
				)
			);
			foreach ( $found as $c ) {
				$meta = array();
				foreach ( get_comment_meta( (int) $c->comment_ID ) as $key => $values ) {
					$meta[ $key ] = maybe_unserialize( $values[0] );
				}
				$rows[] = array(
					'id'       => (int) $c->comment_ID,
					'content'  => $c->comment_content,
					'author'   => $c->comment_author,
					'approved' => $c->comment_approved,
					'meta'     => $meta,
				);
			}
		}
		echo wp_json_encode( $rows );
		break;
	case 'option':
		echo wp_json_encode( get_option( $argv[3], null ) );
		break;
	default:
		fwrite( STDERR, "unknown command $command\n" );
		exit( 2 );
}
